package io.virtflow.agent.driver.libvirt;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

import io.virtflow.agent.domain.Boot;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.NetInterface;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;

/**
 * A virtflow domain as libvirt domain XML, both ways. What virtflow keeps in the domain (who owns it, its
 * name, its version and the state that version was written with) is the {@code <metadata>} element
 * {@value #NS}; the rest is plain libvirt: direct kernel boot, virtio qcow2 disks, user-mode or libvirt
 * networks, a serial console written to a log file, the guest agent's channel. Pure.
 */
final class DomainXml {
  static final String NS = "https://virtflow.io/xmlns/domain/1";
  static final String PREFIX = "virtflow";
  static final String AGENT_CHANNEL = "org.qemu.guest_agent.0";

  private DomainXml() {
  }

  /**
   * What virtflow keeps in a libvirt domain.
   *
   * @param version grows by one on every change of the domain, made or observed
   * @param state the state the domain was in when {@code version} was written: a different state now is a
   *     change nobody reported yet
   */
  record Meta(String namespace, String hostId, String name, long version, State state, Reason reason,
      String principal, String project, boolean guestAgent, List<Disk> disks) {
    Meta withVersion(long newVersion, State newState, Reason newReason) {
      return new Meta(namespace, hostId, name, newVersion, newState, newReason, principal, project, guestAgent, disks);
    }
  }

  /** A domain as libvirt describes it, with virtflow's metadata when it has some. */
  record Parsed(String uuid, String libvirtName, Meta meta, int vcpus, long memoryMiB, List<Disk> disks, Boot boot,
      List<NetInterface> interfaces, Boolean agentConnected) {
  }

  /** Everything define needs. */
  record Spec(String uuid, String libvirtName, String domainType, int vcpus, long memoryMiB, Path kernel,
      Path initrd, String cmdline, List<Disk> disks, List<NetInterface> interfaces, boolean guestAgent,
      Path consoleLog, Meta meta) {
  }

  static String domain(Spec s) {
    StringBuilder x = new StringBuilder(2048);
    x.append("<domain type='").append(s.domainType()).append("'>\n");
    x.append("  <name>").append(esc(s.libvirtName())).append("</name>\n");
    x.append("  <uuid>").append(s.uuid()).append("</uuid>\n");
    x.append("  <title>").append(esc(s.meta().name())).append("</title>\n");
    x.append("  <metadata>\n    ").append(metadata(s.meta())).append("\n  </metadata>\n");
    x.append("  <memory unit='MiB'>").append(s.memoryMiB()).append("</memory>\n");
    x.append("  <vcpu>").append(s.vcpus()).append("</vcpu>\n");
    x.append("  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n");
    if (s.kernel() != null) {
      x.append("    <kernel>").append(esc(s.kernel().toString())).append("</kernel>\n");
      if (s.initrd() != null) {
        x.append("    <initrd>").append(esc(s.initrd().toString())).append("</initrd>\n");
      }
      // The serial console is where an operator reads why a guest did not boot.
      String cmdline = s.cmdline() == null ? "console=ttyS0" : s.cmdline();
      x.append("    <cmdline>").append(esc(cmdline)).append("</cmdline>\n");
    } else {
      x.append("    <boot dev='hd'/>\n");
    }
    x.append("  </os>\n");
    // ACPI: the power button a graceful shutdown presses.
    x.append("  <features><acpi/></features>\n");
    x.append("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n");
    x.append("  <on_crash>destroy</on_crash>\n");
    x.append("  <devices>\n");
    for (Disk d : s.disks()) {
      x.append("    <disk type='file' device='disk'>\n");
      x.append("      <driver name='qemu' type='qcow2'/>\n");
      x.append("      <source file='").append(esc(d.path())).append("'/>\n");
      x.append("      <target dev='").append(d.target()).append("' bus='").append(bus(d.target())).append("'/>\n");
      x.append("    </disk>\n");
    }
    x.append("    <controller type='usb' model='none'/>\n");
    for (NetInterface n : s.interfaces()) {
      if (n.userMode()) {
        x.append("    <interface type='user'>\n");
      } else {
        x.append("    <interface type='network'>\n      <source network='").append(esc(n.network())).append("'/>\n");
      }
      x.append("      <mac address='").append(n.mac()).append("'/>\n");
      x.append("      <model type='virtio'/>\n    </interface>\n");
    }
    String log = esc(s.consoleLog().toString());
    // append='on': without it the log is emptied at every start, and the last boot's story with it.
    x.append("    <serial type='file'>\n      <source path='").append(log).append("' append='on'/>\n");
    x.append("      <target port='0'/>\n    </serial>\n");
    x.append("    <console type='file'>\n      <source path='").append(log).append("' append='on'/>\n");
    x.append("      <target type='serial' port='0'/>\n    </console>\n");
    if (s.guestAgent()) {
      x.append("    <channel type='unix'>\n      <target type='virtio' name='").append(AGENT_CHANNEL)
          .append("'/>\n    </channel>\n");
    }
    // A guest kernel panic reaches libvirt as CRASHED/PANICKED (then on_crash), not as a reboot loop.
    x.append("    <panic model='isa'/>\n");
    x.append("    <memballoon model='none'/>\n");
    x.append("  </devices>\n</domain>\n");
    return x.toString();
  }

  /** The metadata element as the domain XML holds it (in virtflow's namespace). */
  static String metadata(Meta m) {
    return metadata(m, true);
  }

  /**
   * The metadata element; {@code prefixed} false for {@code virDomainSetMetadata}, which puts the element
   * it is given into the namespace it is told.
   */
  static String metadata(Meta m, boolean prefixed) {
    String p = prefixed ? PREFIX + ":" : "";
    StringBuilder x = new StringBuilder(256);
    x.append('<').append(p).append("domain");
    if (prefixed) {
      x.append(" xmlns:").append(PREFIX).append("='").append(NS).append("'");
    }
    x
        .append(" namespace='").append(esc(m.namespace())).append("'")
        .append(" host='").append(esc(m.hostId())).append("'")
        .append(" name='").append(esc(m.name())).append("'")
        .append(" version='").append(m.version()).append("'")
        .append(" state='").append(m.state().name()).append("'")
        .append(" reason='").append(m.reason().name()).append("'")
        .append(" guestAgent='").append(m.guestAgent()).append("'");
    if (m.principal() != null) {
      x.append(" principal='").append(esc(m.principal())).append("'");
    }
    if (m.project() != null) {
      x.append(" project='").append(esc(m.project())).append("'");
    }
    x.append('>');
    for (Disk d : m.disks()) {
      x.append('<').append(p).append("disk target='").append(d.target()).append("' sizeGiB='")
          .append(d.sizeGiB()).append("'");
      if (d.image() != null) {
        x.append(" image='").append(esc(d.image())).append("'");
      }
      x.append("/>");
    }
    x.append("</").append(p).append("domain>");
    return x.toString();
  }

  /** Parses a domain's XML ({@code virDomainGetXMLDesc}). */
  static Parsed parse(String xml, Path imageDir) {
    Element root = document(xml).getDocumentElement();
    String uuid = text(root, "uuid");
    String libvirtName = text(root, "name");
    Meta meta = null;
    NodeList own = root.getElementsByTagNameNS(NS, "domain");
    if (own.getLength() > 0) {
      meta = meta((Element) own.item(0));
    }
    List<Disk> disks = new ArrayList<>();
    NodeList diskNodes = root.getElementsByTagName("disk");
    for (int i = 0; i < diskNodes.getLength(); i++) {
      Element d = (Element) diskNodes.item(i);
      if (d.getNamespaceURI() == null && "disk".equals(d.getAttribute("device"))) {
        String target = attr(child(d, "target"), "dev");
        String file = attr(child(d, "source"), "file");
        Disk declared = meta == null ? null : meta.disks().stream().filter(m -> m.target().equals(target))
            .findFirst().orElse(null);
        disks.add(new Disk(target, declared == null ? 0 : declared.sizeGiB(), Disk.QCOW2, file,
            declared == null ? null : declared.image()));
      }
    }
    Element os = child(root, "os");
    Boot boot = null;
    if (os != null && child(os, "kernel") != null) {
      boot = new Boot(relative(imageDir, text(os, "kernel")), relative(imageDir, text(os, "initrd")),
          text(os, "cmdline"));
    }
    List<NetInterface> nics = new ArrayList<>();
    NodeList nicNodes = root.getElementsByTagName("interface");
    for (int i = 0; i < nicNodes.getLength(); i++) {
      Element n = (Element) nicNodes.item(i);
      String network = "network".equals(n.getAttribute("type")) ? attr(child(n, "source"), "network") : null;
      nics.add(new NetInterface(network, attr(child(n, "mac"), "address")));
    }
    Boolean agent = null;
    NodeList channels = root.getElementsByTagName("channel");
    for (int i = 0; i < channels.getLength(); i++) {
      Element target = child((Element) channels.item(i), "target");
      if (target != null && AGENT_CHANNEL.equals(target.getAttribute("name"))) {
        String state = target.getAttribute("state");
        agent = state.isEmpty() ? null : "connected".equals(state);
      }
    }
    String vcpu = text(root, "vcpu");
    String memory = text(root, "memory");
    long memoryKiB = memory == null ? 0 : Long.parseLong(memory);
    String unit = child(root, "memory") == null ? "" : child(root, "memory").getAttribute("unit");
    long memoryMiB = "MiB".equals(unit) ? memoryKiB : memoryKiB / 1024;
    return new Parsed(uuid, libvirtName, meta, vcpu == null ? 0 : Integer.parseInt(vcpu), memoryMiB, disks, boot,
        nics, agent);
  }

  /** Parses the metadata element alone ({@code virDomainGetMetadata}). */
  static Meta parseMetadata(String xml) {
    Element root = document(xml).getDocumentElement();
    return NS.equals(root.getNamespaceURI()) ? meta(root) : null;
  }

  private static Meta meta(Element e) {
    List<Disk> disks = new ArrayList<>();
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (!(n instanceof Element d) || !"disk".equals(d.getLocalName())) {
        continue;
      }
      disks.add(new Disk(d.getAttribute("target"), Integer.parseInt(d.getAttribute("sizeGiB")), Disk.QCOW2, null,
          d.hasAttribute("image") ? d.getAttribute("image") : null));
    }
    return new Meta(e.getAttribute("namespace"), e.getAttribute("host"), e.getAttribute("name"),
        Long.parseLong(e.getAttribute("version")), State.valueOf(e.getAttribute("state")),
        Reason.valueOf(e.getAttribute("reason")), e.hasAttribute("principal") ? e.getAttribute("principal") : null,
        e.hasAttribute("project") ? e.getAttribute("project") : null, Boolean.parseBoolean(e.getAttribute("guestAgent")),
        disks);
  }

  /** {@code xml} (a persistent definition) with disk {@code target} on {@code file}. */
  static String withDiskSource(String xml, String target, String file) {
    Document doc = document(xml);
    NodeList diskNodes = doc.getDocumentElement().getElementsByTagName("disk");
    boolean found = false;
    for (int i = 0; i < diskNodes.getLength(); i++) {
      Element d = (Element) diskNodes.item(i);
      if (d.getNamespaceURI() == null && target.equals(attr(child(d, "target"), "dev"))) {
        child(d, "source").setAttribute("file", file);
        found = true;
      }
    }
    if (!found) {
      throw new IllegalArgumentException("no disk " + target + " in the domain's definition");
    }
    try {
      javax.xml.transform.Transformer t = javax.xml.transform.TransformerFactory.newInstance().newTransformer();
      t.setOutputProperty(javax.xml.transform.OutputKeys.OMIT_XML_DECLARATION, "yes");
      java.io.StringWriter out = new java.io.StringWriter();
      t.transform(new javax.xml.transform.dom.DOMSource(doc), new javax.xml.transform.stream.StreamResult(out));
      return out.toString();
    } catch (javax.xml.transform.TransformerException e) {
      throw new IllegalStateException("cannot write the domain XML: " + e.getMessage(), e);
    }
  }

  /** libvirt's disk bus for a target's prefix. */
  static String bus(String target) {
    if (target.startsWith("vd")) {
      return "virtio";
    }
    if (target.startsWith("sd")) {
      return "sata";
    }
    if (target.startsWith("hd")) {
      return "ide";
    }
    return "xen";
  }

  private static String relative(Path imageDir, String file) {
    if (file == null) {
      return null;
    }
    Path p = Path.of(file);
    return p.startsWith(imageDir) ? imageDir.relativize(p).toString() : file;
  }

  private static Document document(String xml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      DocumentBuilder b = f.newDocumentBuilder();
      return b.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    } catch (ParserConfigurationException | SAXException | IOException e) {
      throw new IllegalArgumentException("unreadable domain XML: " + e.getMessage(), e);
    }
  }

  private static Element child(Element parent, String name) {
    if (parent == null) {
      return null;
    }
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && name.equals(e.getLocalName() == null ? e.getTagName() : e.getLocalName())
          && e.getNamespaceURI() == null) {
        return e;
      }
    }
    return null;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }

  private static String attr(Element e, String name) {
    return e == null || !e.hasAttribute(name) ? null : e.getAttribute(name);
  }

  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '\'' -> out.append("&apos;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
