package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.ElementClickInterceptedException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.Destroy;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.Resume;
import io.virtflow.schema.Shutdown;
import io.virtflow.schema.Start;
import io.virtflow.schema.StateReason;
import io.virtflow.schema.Suspend;

/**
 * The ops console at {@code /} in a real browser: headless Chromium driven through the system's ChromeDriver
 * (Selenium; Selenium Manager downloads nothing), against a real gateway on the test broker, host agents played
 * by {@link TestAgent} (h1 runs the lifecycle as an agent does, {@link Lifecycle}) and the snapshot service by
 * {@link TestSnapshotService}. What a person sees at each step is saved to {@code target/console-screenshots/}.
 *
 * <p>Without {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} the class is skipped, unless
 * {@code VIRTFLOW_REQUIRE_BROWSER=1} (CI): then it fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpsConsoleBrowserTest {
  // Debian's packages' paths; the properties exist to try the test's own skip/fail logic elsewhere.
  private static final Path CHROMIUM = Path.of(System.getProperty("virtflow.chromium", "/usr/bin/chromium"));
  private static final Path CHROMEDRIVER = Path.of(System.getProperty("virtflow.chromedriver", "/usr/bin/chromedriver"));
  private static final Path SHOTS = Path.of(System.getProperty("basedir", "."), "target", "console-screenshots");
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final int WIDTH = 1440;

  private static BusConfig bus;
  private static TestAgent h1;
  private static TestAgent h2;
  private static TestAgent h3;
  private static Lifecycle lifecycle;
  private static TestSnapshotService snapshots;
  private static RunningGateway gw;
  private static ChromeDriver driver;
  private static Path profile;

  @BeforeAll
  static void setUp() throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      String why = "the console's browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
          + " (apt-get install chromium chromium-driver)";
      if ("1".equals(System.getenv("VIRTFLOW_REQUIRE_BROWSER"))) {
        fail(why + ", and VIRTFLOW_REQUIRE_BROWSER=1 requires it");
      }
      Assumptions.abort(why);
    }
    Files.createDirectories(SHOTS);
    bus = KafkaFixture.freshBus();
    h1 = TestAgent.start(bus, KafkaFixture.admin(), "h1").capacity(65_536, 6_144).images("vmlinuz", "base.qcow2");
    lifecycle = new Lifecycle(h1);
    h1.respondWith(lifecycle).heartbeatEvery(Duration.ofMillis(500));
    // A host whose hypervisor is unreachable, and one that stopped sending heartbeats an hour ago.
    h2 = TestAgent.start(bus, KafkaFixture.admin(), "h2").capacity(32_768, 0)
        .driver(false, "cannot connect to qemu:///system: No such file or directory", Map.of("uri", "qemu:///system"))
        .heartbeatEvery(Duration.ofMillis(500));
    h3 = TestAgent.start(bus, KafkaFixture.admin(), "h3").heartbeatAt(Instant.now().minusSeconds(3600));
    snapshots = TestSnapshotService.start(bus);
    // Records nothing can decode, on a projection topic: the gateway's sweep parks them on the dead-letter topic.
    for (int i = 0; i < 3; i++) {
      h1.send(bus.topics().hostStatus(), "garbage-" + i, ("not a heartbeat #" + i).getBytes(StandardCharsets.UTF_8));
    }
    gw = RunningGateway.start(bus);
    await().atMost(PATIENCE).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 3);
    driver = chromium();
  }

  @AfterAll
  static void tearDown() throws IOException {
    if (driver != null) {
      driver.quit();
    }
    for (AutoCloseable c : new AutoCloseable[] {gw, snapshots, h1, h2, h3}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // the next one still closes
        }
      }
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static ChromeDriver chromium() throws IOException {
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    profile = Files.createTempDirectory("virtflow-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--user-data-dir=" + profile, "--window-size=" + WIDTH + ",1000", "--lang=en-US");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  // ------------------------------------------------------------------------------------------ the story

  @Test
  @Order(1)
  void theConsoleShowsTheFleetLiveAndActsThroughTheApiWithTheSignedInToken() throws IOException {
    try {
      story();
    } catch (AssertionError | RuntimeException e) {
      shot("failure");
      throw e;
    }
  }

  private void story() throws IOException {
    define("web1", "default");
    define("db1", "default");
    define("blue-app", "blue");

    // Signed out: the page asks for a token, and holds no data.
    driver.get(gw.base + "/");
    waitFor(d -> d.findElement(By.id("sign-in")).isDisplayed());
    assertThat(driver.findElements(By.cssSelector("#domains tbody tr"))).isEmpty();
    shot("01-sign-in");

    // A link with the token in its fragment signs in; the fragment is wiped and the token kept for this tab only.
    driver.get("about:blank");
    driver.get(gw.base + "/#token=" + TestKeys.ADMIN);
    waitFor(d -> row("web1") != null && "SHUTOFF".equals(row("web1").getAttribute("data-state")));
    waitFor(d -> d.findElement(By.id("stream")).getText().equals("live"));
    assertThat(driver.getCurrentUrl()).doesNotContain("token").doesNotContain(TestKeys.ADMIN);
    assertThat(js("return sessionStorage.getItem('virtflow.token')")).isEqualTo(TestKeys.ADMIN);
    assertThat(js("return localStorage.length")).isEqualTo(0L);
    assertThat(driver.findElement(By.id("who")).getText()).contains("admin").contains("default");
    waitFor(d -> d.findElements(By.cssSelector("#hosts tbody tr[data-host]")).size() == 3);
    assertThat(text("#hosts tr[data-host='h1'] .status")).isEqualTo("UP");
    assertThat(text("#hosts tr[data-host='h3'] .status")).isEqualTo("DOWN");
    assertThat(text("#hosts tr[data-host='h2'] .driver")).contains("disconnected")
        .contains("cannot connect to qemu:///system");
    assertThat(driver.findElements(By.cssSelector("#domains tbody tr[data-domain]"))).hasSize(3);
    shot("02-overview");

    // Filters: by project, then by state.
    select("filter-project", "blue");
    waitFor(d -> d.findElements(By.cssSelector("#domains tbody tr[data-domain]")).size() == 1 && row("blue-app") != null);
    select("filter-project", "");
    waitFor(d -> d.findElements(By.cssSelector("#domains tbody tr[data-domain]")).size() == 3);

    // Started through the API: the row changes from the event stream, with no reload. vm.state is held back,
    // so that only the stream can have told the page (the API still says SHUTOFF).
    js("window.__samePage = 'yes'");
    lifecycle.holdStates(true);
    String started = gw.post("/v1/domains/web1/start", null).json().getString("commandId");
    waitFor(d -> "RUNNING".equals(row("web1").getAttribute("data-state")));
    assertThat(text("#domains tr[data-domain='web1'] .state")).contains("RUNNING").contains("BOOTED");
    assertThat(gw.get("/v1/domains/web1").json().getString("state")).isEqualTo("SHUTOFF");
    assertThat(js("return window.__samePage")).isEqualTo("yes");
    lifecycle.holdStates(false);
    await().atMost(PATIENCE).until(() -> "RUNNING".equals(gw.get("/v1/domains/web1").json().getString("state")));
    waitFor(d -> taskStatus(started, "SUCCEEDED"));
    shot("03-started-live");

    // Resume of a running domain: accepted, then refused by its host; the page shows the host's message.
    click(By.cssSelector("#domains tr[data-domain='web1'] button[data-op='resume']"));
    WebElement refused = waitFor(d -> notice("resume web1", "error"));
    assertThat(refused.getText()).contains("REJECTED").contains("OPERATION_INVALID")
        .contains("cannot resume domain 'web1': it is running");
    shot("04-refused-by-its-host");

    // Suspend from the page: it succeeds, and the row follows the stream.
    click(By.cssSelector("#domains tr[data-domain='web1'] button[data-op='suspend']"));
    waitFor(d -> notice("suspend web1", "ok"));
    waitFor(d -> "PAUSED".equals(row("web1").getAttribute("data-state")));
    assertThat(js("return window.__samePage")).isEqualTo("yes");
    shot("05-suspended");

    // A shutdown the guest does not answer: the task panel offers its cancel, and the cancel goes through.
    click(By.cssSelector("#domains tr[data-domain='web1'] button[data-op='shutdown']"));
    Command shutdown = await().atMost(PATIENCE).until(lifecycle::heldShutdown, java.util.Objects::nonNull);
    By cancel = By.cssSelector("#tasks tr[data-command='" + shutdown.getCommandId() + "'] button.cancel");
    // Cancellable from ACCEPTED on; RUNNING once its host said so (the panel reads the list every 3 s).
    waitFor(d -> !d.findElements(cancel).isEmpty() && taskStatus(shutdown.getCommandId(), "RUNNING"));
    shot("06-tasks-running");
    click(cancel);
    waitFor(d -> taskStatus(shutdown.getCommandId(), "CANCELLED"));
    waitFor(d -> notice("cancel Shutdown web1", "ok"));
    assertThat(driver.findElements(cancel)).isEmpty();
    shot("07-tasks-cancelled");

    // The snapshot tree: two snapshots taken through the API, the second current.
    snapshot("web1", "base", "INTERNAL");
    snapshot("web1", "s2", "EXTERNAL");
    click(By.cssSelector("#domains tr[data-domain='web1'] button.link"));
    waitFor(d -> !d.findElements(By.cssSelector("#snapshot-tree li[data-snapshot='base'] li[data-snapshot='s2']"))
        .isEmpty());
    assertThat(driver.findElement(By.cssSelector("li[data-snapshot='s2']")).getAttribute("class")).contains("current");
    assertThat(text("li[data-snapshot='s2'] > .node")).contains("current").contains("EXTERNAL");
    assertThat(text("li[data-snapshot='base'] > .node")).contains("INTERNAL").doesNotContain("current");
    shot("08-snapshot-tree");

    // A snapshot name already taken: the gateway refuses it, and the page shows the problem's detail.
    driver.findElement(By.id("snap-name")).sendKeys("base");
    click(By.id("snap-take"));
    WebElement duplicate = waitFor(d -> notice("snapshot base of web1", "error"));
    assertThat(duplicate.getText()).contains("OPERATION_INVALID").contains("domain 'web1' already has a snapshot 'base'");
    shot("09-snapshot-refused");

    // Revert to base, then delete s2: each asks first.
    click(By.cssSelector("li[data-snapshot='base'] > .node button[data-op='revert']"));
    waitFor(d -> d.findElement(By.id("confirm")).isDisplayed());
    assertThat(text("#confirm-text")).contains("Revert domain \"web1\" to snapshot \"base\"");
    shot("10-confirm-revert");
    click(By.id("confirm-ok"));
    waitFor(d -> notice("revert web1 to base", "ok"));
    waitFor(d -> d.findElement(By.cssSelector("li[data-snapshot='base']")).getAttribute("class").contains("current"));
    click(By.cssSelector("li[data-snapshot='s2'] > .node button[data-op='delete']"));
    waitFor(d -> d.findElement(By.id("confirm")).isDisplayed());
    click(By.id("confirm-ok"));
    waitFor(d -> notice("delete snapshot s2 of web1", "ok"));
    waitFor(d -> d.findElements(By.cssSelector("li[data-snapshot='s2']")).isEmpty());
    // base, s2, the revert and the delete: the duplicate never left the gateway.
    assertThat(snapshots.requests()).hasSize(4);
    shot("11-snapshot-reverted-and-deleted");

    // The bus: topics, groups and the dead letters, with why each was parked.
    click(By.id("tab-bus"));
    waitFor(d -> !d.findElements(By.cssSelector("#bus-topics tr[data-topic='" + bus.topics().vmEvents() + "']"))
        .isEmpty());
    waitFor(d -> text("#dlq-count").startsWith("(3 on"));
    assertThat(driver.findElements(By.cssSelector("#bus-dlq tbody tr[data-offset]"))).hasSize(3);
    assertThat(text("#bus-dlq tbody")).contains(bus.topics().hostStatus()).contains("garbage-");
    assertThat(driver.findElements(By.cssSelector("#bus-groups tbody tr[data-group]"))).isNotEmpty();
    shot("12-bus");

    // Signing out forgets the token.
    click(By.id("tab-overview"));
    click(By.id("sign-out"));
    waitFor(d -> d.findElement(By.id("sign-in")).isDisplayed());
    assertThat(js("return sessionStorage.getItem('virtflow.token')")).isNull();
  }

  @Test
  @Order(2)
  void aPastedViewerTokenSeesButMayNotActAndABadTokenIsRefused() throws IOException {
    try {
      // Whatever the tab signed in with before is gone first.
      driver.get(gw.base + "/console/app.css");
      js("sessionStorage.clear()");
      driver.get("about:blank");
      driver.get(gw.base + "/");
      waitFor(d -> d.findElement(By.id("sign-in")).isDisplayed());
      driver.findElement(By.id("token")).sendKeys("not-a-token");
      click(By.id("sign-in-button"));
      waitFor(d -> d.findElement(By.id("sign-in-error")).isDisplayed());
      assertThat(text("#sign-in-error")).contains("refused").contains("AUTH_FAILED");
      shot("13-bad-token");

      define("viewer-sees", "default");
      define("viewer-misses", "blue");
      String viewer = TestKeys.token("vince", Role.VIEWER, "default");
      driver.findElement(By.id("token")).sendKeys(viewer);
      click(By.id("sign-in-button"));
      waitFor(d -> row("viewer-sees") != null);
      assertThat(driver.findElement(By.id("tab-bus")).isDisplayed()).isFalse();
      assertThat(driver.findElements(By.cssSelector("#domains tbody tr[data-domain]")).stream()
          .map(r -> r.getAttribute("data-domain"))).contains("viewer-sees").doesNotContain("viewer-misses", "blue-app");
      assertThat(driver.findElement(By.cssSelector("#domains tr[data-domain='viewer-sees'] button[data-op='start']"))
          .isEnabled()).isFalse();
      // Hosts, without the drivers' messages (HOST_DETAILS is the admin's).
      waitFor(d -> d.findElements(By.cssSelector("#hosts tbody tr[data-host]")).size() == 3);
      assertThat(text("#hosts tr[data-host='h2'] .driver")).contains("disconnected").doesNotContain("qemu:///system");
      shot("14-viewer");
      click(By.id("sign-out"));
    } catch (AssertionError | RuntimeException e) {
      shot("failure-viewer");
      throw e;
    }
  }

  // ------------------------------------------------------------------------------------------ through the API

  private static void define(String name, String project) {
    RunningGateway.Answer a = gw.post("/v1/domains", "{\"name\":\"" + name + "\",\"host\":\"h1\",\"project\":\""
        + project + "\",\"vcpus\":2,\"memoryMiB\":1024,\"disks\":[{\"target\":\"vda\",\"sizeGiB\":10}]}");
    assertThat(a.status()).as(a.toString()).isEqualTo(202);
    awaitEnd(a.json().getString("commandId"));
  }

  private static void snapshot(String domain, String name, String kind) {
    RunningGateway.Answer a = gw.post("/v1/domains/" + domain + "/snapshots", "{\"name\":\"" + name + "\",\"kind\":\""
        + kind + "\"}");
    assertThat(a.status()).as(a.toString()).isEqualTo(202);
    awaitEnd(a.json().getString("commandId"));
  }

  private static void awaitEnd(String commandId) {
    await().atMost(PATIENCE).until(() -> "SUCCEEDED".equals(gw.get("/v1/commands/" + commandId + "?waitMs=2000")
        .json().getString("status")));
  }

  // ------------------------------------------------------------------------------------------ in the page

  private static <T> T waitFor(Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, PATIENCE).ignoring(StaleElementReferenceException.class)
        .ignoring(NoSuchElementException.class).until(condition);
  }

  /** Rows are drawn again as data comes in: find and click in one go, again if the element went stale. */
  private static void click(By by) {
    waitFor(d -> {
      try {
        d.findElement(by).click();
        return true;
      } catch (ElementClickInterceptedException e) {
        return false;
      }
    });
  }

  private static void select(String id, String value) {
    js("const s = document.getElementById(arguments[0]); s.value = arguments[1];"
        + " s.dispatchEvent(new Event('input', {bubbles: true}));", id, value);
  }

  private static WebElement row(String domain) {
    List<WebElement> rows = driver.findElements(By.cssSelector("#domains tbody tr[data-domain='" + domain + "']"));
    return rows.isEmpty() ? null : rows.get(0);
  }

  private static String text(String css) {
    return driver.findElement(By.cssSelector(css)).getText();
  }

  private static boolean taskStatus(String commandId, String status) {
    return driver.findElements(By.cssSelector("#tasks tr[data-command='" + commandId + "'][data-status='" + status
        + "']")).size() == 1;
  }

  /** The newest notice about {@code what}, once it is of {@code kind} (ok, error), else null. */
  private static WebElement notice(String what, String kind) {
    for (WebElement n : driver.findElements(By.cssSelector("#notices .notice"))) {
      if (n.findElement(By.className("what")).getText().equals(what)) {
        return n.getAttribute("class").contains(kind) ? n : null;
      }
    }
    return null;
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** The whole page as a person sees it: the window is made as tall as the page first. */
  private static void shot(String name) throws IOException {
    if (driver == null) {
      return;
    }
    Number height = (Number) js("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)");
    driver.manage().window().setSize(new Dimension(WIDTH, Math.min(4000, Math.max(900, height.intValue() + 40))));
    Files.write(SHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
  }

  // ------------------------------------------------------------------------------------------ h1's agent

  /**
   * A host agent's lifecycle, played over {@link TestAgent}: libvirt's moves (start SHUTOFF → RUNNING, suspend
   * RUNNING → PAUSED, resume PAUSED → RUNNING, destroy → SHUTOFF), each with its event and then its state, and
   * anything else refused REJECTED {@code OPERATION_INVALID} as the real agent words it. A shutdown is a guest
   * that never powers off: it stays RUNNING until cancelled. With {@link #holdStates} the states wait, so that
   * only the event stream knows of a move.
   */
  private static final class Lifecycle implements Consumer<Command> {
    private record Move(Set<DomainStateCode> from, DomainStateCode to, EventType type, EventDetail detail,
        StateReason reason, String verb) {
    }

    private final TestAgent agent;
    private final Map<String, DomainStateCode> states = new ConcurrentHashMap<>();
    private final Map<String, String> names = new ConcurrentHashMap<>();
    private final Map<String, String> projects = new ConcurrentHashMap<>();
    private final Map<String, Long> versions = new ConcurrentHashMap<>();
    private final Map<String, Command> held = new ConcurrentHashMap<>();
    private final List<Runnable> heldStates = new ArrayList<>();
    private boolean holding;

    Lifecycle(TestAgent agent) {
      this.agent = agent;
    }

    synchronized void holdStates(boolean on) {
      holding = on;
      if (!on) {
        heldStates.forEach(Runnable::run);
        heldStates.clear();
      }
    }

    Command heldShutdown() {
      return held.values().stream().findFirst().orElse(null);
    }

    @Override
    public void accept(Command c) {
      Object p = c.getPayload();
      String id = c.getDomainId();
      if (p instanceof Define d) {
        names.put(id, d.getName());
        if (c.getProject() != null) {
          projects.put(id, c.getProject());
        }
        agent.status(c, CommandStatusCode.RUNNING);
        move(c, new Move(Set.of(), DomainStateCode.SHUTOFF, EventType.DEFINED, EventDetail.ADDED, StateReason.UNKNOWN,
            "define"));
        agent.status(c, CommandStatusCode.SUCCEEDED, null, null, DomainStateCode.SHUTOFF);
        return;
      }
      if (p instanceof Cancel x) {
        agent.status(c, CommandStatusCode.RUNNING);
        Command target = held.remove(x.getTargetCommandId());
        if (target == null) {
          agent.status(c, CommandStatusCode.REJECTED, ErrorCode.OPERATION_INVALID, "nothing to cancel", null);
        } else {
          agent.status(target, CommandStatusCode.CANCELLED, null, "cancelled by " + c.getPrincipal(), states.get(id));
          agent.status(c, CommandStatusCode.SUCCEEDED);
        }
        return;
      }
      if (p instanceof Shutdown) {
        agent.status(c, CommandStatusCode.RUNNING);
        held.put(c.getCommandId(), c);
        return;
      }
      Move m = moveOf(p);
      DomainStateCode now = states.get(id);
      if (m == null || now == null || !m.from().contains(now)) {
        agent.status(c, CommandStatusCode.REJECTED, ErrorCode.OPERATION_INVALID, "cannot " + (m == null ? "do that to"
            : m.verb()) + " domain '" + names.get(id) + "': it is " + describe(now), now);
        return;
      }
      agent.status(c, CommandStatusCode.RUNNING);
      move(c, m);
      agent.status(c, CommandStatusCode.SUCCEEDED, null, null, m.to());
    }

    private static Move moveOf(Object p) {
      if (p instanceof Start) {
        return new Move(Set.of(DomainStateCode.SHUTOFF), DomainStateCode.RUNNING, EventType.STARTED, EventDetail.BOOTED,
            StateReason.BOOTED, "start");
      }
      if (p instanceof Suspend) {
        return new Move(Set.of(DomainStateCode.RUNNING), DomainStateCode.PAUSED, EventType.SUSPENDED,
            EventDetail.PAUSED, StateReason.USER, "suspend");
      }
      if (p instanceof Resume) {
        return new Move(Set.of(DomainStateCode.PAUSED), DomainStateCode.RUNNING, EventType.RESUMED,
            EventDetail.UNPAUSED, StateReason.UNPAUSED, "resume");
      }
      if (p instanceof Destroy) {
        return new Move(Set.of(DomainStateCode.RUNNING, DomainStateCode.PAUSED), DomainStateCode.SHUTOFF,
            EventType.STOPPED, EventDetail.DESTROYED, StateReason.DESTROYED, "destroy");
      }
      return null;
    }

    private static String describe(DomainStateCode s) {
      return s == null ? "unknown" : s == DomainStateCode.SHUTOFF ? "shut off" : s.name().toLowerCase(java.util.Locale.ROOT);
    }

    private void move(Command c, Move m) {
      String id = c.getDomainId();
      states.put(id, m.to());
      long version = versions.merge(id, 1L, Long::sum);
      // The event first: the stream may well be ahead of vm.state.
      agent.event(id, names.get(id), m.type(), m.detail(), m.to(), m.reason(), c.getCommandId());
      Runnable state = () -> agent.state(agent.stateOf(id, names.get(id), m.to(), version, projects.get(id))
          .setReason(m.reason()).build());
      synchronized (this) {
        if (holding) {
          heldStates.add(state);
          return;
        }
      }
      state.run();
    }
  }
}
