package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

class DomainRulesTest {

  private static DefineSpec spec(String name, long vcpus, long memory, List<DiskSpec> disks) {
    return new DefineSpec(name, null, vcpus, memory, disks);
  }

  private static DefineSpec valid() {
    return spec("web-1", 2, 1024, List.of(new DiskSpec("vda", 10)));
  }

  @Provide
  Arbitrary<String> validNames() {
    Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').range('A', 'Z').range('0', '9');
    Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
        .withCharRange('0', '9').withChars('.', '_', '-').ofMinLength(0).ofMaxLength(63);
    return Combinators.combine(first, rest).as((f, r) -> f + r).filter(s -> !DomainRef.isUuid(s));
  }

  @Property
  void everyNameOfTheAllowedAlphabetIsAccepted(@ForAll("validNames") String name) {
    assertThat(DomainRules.nameProblem(name)).isEmpty();
  }

  @Provide
  Arbitrary<Character> forbiddenChars() {
    return Arbitraries.of('/', '\0', ' ', '\u00e9', '*', ':', '\n', '\\', '@');
  }

  @Property
  void aNameWithAForbiddenCharacterIsRefused(@ForAll("validNames") String name,
      @ForAll("forbiddenChars") char bad, @ForAll @IntRange(min = 0, max = 64) int at) {
    String withBad = name.substring(0, Math.min(at, name.length())) + bad + name.substring(Math.min(at, name.length()));
    assertThat(DomainRules.nameProblem(withBad)).isPresent();
  }

  @Property
  void namesLongerThan64AreRefused(@ForAll @StringLength(min = 65, max = 300) @CharRange(from = 'a', to = 'z') String name) {
    assertThat(DomainRules.nameProblem(name)).hasValueSatisfying(p -> assertThat(p).contains("at most 64"));
  }

  @Property
  void aUuidIsNeverAName(@ForAll long hi, @ForAll long lo) {
    String uuid = new UUID(hi, lo).toString();
    assertThat(DomainRules.nameProblem(uuid)).isPresent();
    assertThat(DomainRules.nameProblem(uuid.toUpperCase())).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/", "a/b", ".", "..", "a\u0000b", "-x", "_x", ".x", "a b", "caf\u00e9",
      "123e4567-e89b-12d3-a456-426614174000"})
  void refusedNames(String name) {
    assertThat(DomainRules.nameProblem(name)).isPresent();
    assertThatThrownBy(() -> DomainRules.checkDefine(spec(name, 1, 16, List.of())))
        .isInstanceOfSatisfying(Refusal.class, r -> {
          assertThat(r.field()).isEqualTo("name");
          assertThat(r.code()).isEqualTo(FailureCode.INVALID_ARG);
          assertThat(r.kind()).isEqualTo(Refusal.Kind.INVALID);
          assertThat(r.getMessage()).startsWith("name: ");
        });
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "A", "0", "web-1", "db.prod_2", "1-2-3-4-5", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
  void acceptedNames(String name) {
    assertThat(DomainRules.nameProblem(name)).isEmpty();
  }

  @Property
  void vcpusInRangeAreAccepted(@ForAll @LongRange(min = 1, max = 256) long vcpus) {
    assertThatCode(() -> DomainRules.checkDefine(spec("a", vcpus, 16, List.of()))).doesNotThrowAnyException();
  }

  @Property
  void vcpusOutOfRangeAreRefused(@ForAll long vcpus) {
    if (vcpus >= 1 && vcpus <= 256) {
      return;
    }
    assertRefused(spec("a", vcpus, 16, List.of()), "vcpus");
  }

  @Property
  void memoryOutOfRangeIsRefused(@ForAll long memory) {
    boolean ok = memory >= 16 && memory <= 4_194_304;
    if (ok) {
      assertThatCode(() -> DomainRules.checkDefine(spec("a", 1, memory, List.of()))).doesNotThrowAnyException();
    } else {
      assertRefused(spec("a", 1, memory, List.of()), "memoryMiB");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"vda", "vdz", "sda", "hdc"})
  void validTargets(String target) {
    assertThatCode(() -> DomainRules.checkDefine(spec("a", 1, 16, List.of(new DiskSpec(target, 1)))))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "vd", "vdaa", "xvda", "vd1", "VDA", "nvme0"})
  void invalidTargets(String target) {
    assertRefused(spec("a", 1, 16, List.of(new DiskSpec(target, 1))), "disks[0].target");
  }

  @org.junit.jupiter.api.Test
  void targetsMustBeUniqueAndTheSecondIsNamed() {
    assertRefused(spec("a", 1, 16, List.of(new DiskSpec("vda", 1), new DiskSpec("vda", 2))), "disks[1].target");
  }

  @org.junit.jupiter.api.Test
  void atMostSixteenDisks() {
    List<DiskSpec> disks = new ArrayList<>();
    for (char c = 'a'; c <= 'q'; c++) {
      disks.add(new DiskSpec("vd" + c, 1));
    }
    assertRefused(spec("a", 1, 16, disks), "disks");
    assertThatCode(() -> DomainRules.checkDefine(spec("a", 1, 16, disks.subList(0, 16)))).doesNotThrowAnyException();
  }

  @Property
  void diskSizes(@ForAll long size) {
    DefineSpec s = spec("a", 1, 16, List.of(new DiskSpec("vda", size)));
    if (size >= 1 && size <= 65_536) {
      assertThatCode(() -> DomainRules.checkDefine(s)).doesNotThrowAnyException();
    } else {
      assertRefused(s, "disks[0].sizeGiB");
    }
  }

  @org.junit.jupiter.api.Test
  void aValidDefinePasses() {
    assertThatCode(() -> DomainRules.checkDefine(valid())).doesNotThrowAnyException();
  }

  // ---- real guests: boot, base images, interfaces ----

  private static DefineSpec guest(BootSpec boot, List<DiskSpec> disks, List<InterfaceSpec> nics) {
    return new DefineSpec("g", null, 1, 64, disks, boot, nics, false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"vmlinuz", "initrd.img", "base.qcow2", "alpine/3.20/vmlinuz-lts", "_x", "+x", "a..b",
      "x-", "A_Z+0.9"})
  void plainRelativeImageNamesAreAccepted(String name) {
    assertThat(DomainRules.imageNameProblem(name)).isEmpty();
    assertThatCode(() -> DomainRules.checkDefine(guest(new BootSpec(name, name, null),
        List.of(new DiskSpec("vda", 1, name)), List.of()))).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/vmlinuz", "/", "..", ".", "../x", "a/../b", "a/./b", "a//b", "a/", ".hidden",
      "-rf", "a b", "a\\b", "caf\u00e9", "a\u0000b", "a\nb", "~root", "$HOME", "a:b"})
  void imageNamesThatCouldLeaveTheDirectoryOrAreNotPlainAreRefused(String name) {
    assertThat(DomainRules.imageNameProblem(name)).isPresent();
    assertRefused(guest(new BootSpec(name, null, null), List.of(), List.of()), "boot.kernel");
    assertRefused(guest(new BootSpec("k", name, null), List.of(), List.of()), "boot.initrd");
    assertRefused(guest(null, List.of(new DiskSpec("vda", 1), new DiskSpec("vdb", 1, name)), List.of()),
        "disks[1].image");
  }

  @org.junit.jupiter.api.Test
  void imageNamesAreBoundedPerSegmentAndInAll() {
    assertThat(DomainRules.imageNameProblem("k".repeat(128))).isEmpty();
    assertThat(DomainRules.imageNameProblem("k".repeat(129))).isPresent();
    String deep = String.join("/", java.util.Collections.nCopies(110, "dddd"));
    assertThat(deep.length()).isGreaterThan(DomainRules.IMAGE_NAME_MAX);
    assertThat(DomainRules.imageNameProblem(deep)).hasValueSatisfying(p -> assertThat(p).contains("at most 512"));
  }

  @org.junit.jupiter.api.Test
  void theCmdlineIsPrintableAndAtMost2048Characters() {
    assertThatCode(() -> DomainRules.checkDefine(guest(new BootSpec("k", null, "x".repeat(2048)), List.of(),
        List.of()))).doesNotThrowAnyException();
    assertThatCode(() -> DomainRules.checkDefine(guest(new BootSpec("k", null, ""), List.of(), List.of())))
        .doesNotThrowAnyException();
    assertRefused(guest(new BootSpec("k", null, "x".repeat(2049)), List.of(), List.of()), "boot.cmdline");
    for (String bad : List.of("a\nb", "a\rb", "a\tb", "a\u0000b", "a\u007fb", "a\u0085b")) {
      assertRefused(guest(new BootSpec("k", null, bad), List.of(), List.of()), "boot.cmdline");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"52:54:00:12:34:56", "00:00:00:00:00:00", "fe:ff:ff:ff:ff:ff", "02:00:00:00:00:01"})
  void unicastLowerCaseMacsAreAccepted(String mac) {
    assertThat(DomainRules.macProblem(mac)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"52:54:00:AB:CD:EF", "52-54-00-12-34-56", "52:54:00:12:34", "52:54:00:12:34:56:78",
      "525400123456", "52:54:00:12:34:5g", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "33:33:00:00:00:01", ""})
  void otherMacsAreRefused(String mac) {
    assertThat(DomainRules.macProblem(mac)).isPresent();
    assertRefused(guest(null, List.of(), List.of(new InterfaceSpec(null, null), new InterfaceSpec("default", mac))),
        "interfaces[1].mac");
  }

  @org.junit.jupiter.api.Test
  void interfacesNameAPlainNetworkHaveDistinctMacsAndAreAtMostSixteen() {
    assertThatCode(() -> DomainRules.checkDefine(guest(null, List.of(), List.of(new InterfaceSpec(null, null),
        new InterfaceSpec("default", "52:54:00:00:00:01"), new InterfaceSpec("br-lan.2", null)))))
        .doesNotThrowAnyException();
    for (String bad : List.of("", "a/b", "-net", "a b", "n".repeat(65))) {
      assertRefused(guest(null, List.of(), List.of(new InterfaceSpec(bad, null))), "interfaces[0].network");
    }
    assertRefused(guest(null, List.of(), List.of(new InterfaceSpec(null, "52:54:00:00:00:01"),
        new InterfaceSpec(null, null), new InterfaceSpec("default", "52:54:00:00:00:01"))), "interfaces[2].mac");
    List<InterfaceSpec> sixteen = java.util.Collections.nCopies(16, new InterfaceSpec(null, null));
    assertThatCode(() -> DomainRules.checkDefine(guest(null, List.of(), sixteen))).doesNotThrowAnyException();
    List<InterfaceSpec> seventeen = java.util.Collections.nCopies(17, new InterfaceSpec(null, null));
    assertRefused(guest(null, List.of(), seventeen), "interfaces");
  }

  @org.junit.jupiter.api.Test
  void aDefinitionNamesItsImagesByField() {
    DefineSpec s = guest(new BootSpec("vmlinuz", "initrd.img", null), List.of(new DiskSpec("vda", 1, "base.qcow2"),
        new DiskSpec("vdb", 4), new DiskSpec("vdc", 1, "base.qcow2")), List.of());
    assertThat(s.imagesByField()).containsExactly(java.util.Map.entry("boot.kernel", "vmlinuz"),
        java.util.Map.entry("boot.initrd", "initrd.img"), java.util.Map.entry("disks[0].image", "base.qcow2"),
        java.util.Map.entry("disks[2].image", "base.qcow2"));
    assertThat(valid().imagesByField()).isEmpty();
  }

  private static void assertRefused(DefineSpec s, String field) {
    assertThatThrownBy(() -> DomainRules.checkDefine(s)).isInstanceOfSatisfying(Refusal.class, r -> {
      assertThat(r.field()).isEqualTo(field);
      assertThat(r.code()).isEqualTo(FailureCode.INVALID_ARG);
    });
  }
}
