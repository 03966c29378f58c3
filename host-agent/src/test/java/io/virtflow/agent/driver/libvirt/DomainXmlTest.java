package io.virtflow.agent.driver.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.NetInterface;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;

class DomainXmlTest {
  private static final Path IMAGES = Path.of("/srv/images");

  private static DomainXml.Meta meta() {
    return new DomainXml.Meta("virtflow", "host-1", "web<1>", 3, State.RUNNING, Reason.BOOTED, "alice", "blue", true,
        List.of(new Disk("vda", 10, Disk.QCOW2, null, "debian.qcow2")));
  }

  private static String xml() {
    return DomainXml.domain(new DomainXml.Spec("7b1a3f4e-0000-4000-8000-000000000001", "vf+virtflow+host-1+web1",
        "qemu", 2, 256, IMAGES.resolve("vmlinuz"), IMAGES.resolve("initrd.img"), "console=ttyS0 quiet",
        List.of(new Disk("vda", 10, Disk.QCOW2, "/pool/7b1a-vda.qcow2", "debian.qcow2"),
            new Disk("sdb", 1, Disk.QCOW2, "/pool/7b1a-sdb.qcow2")),
        List.of(new NetInterface(null, "52:54:00:aa:bb:cc"), new NetInterface("default", "52:54:00:aa:bb:cd")), true,
        Path.of("/data/console/7b1a.log"), meta()));
  }

  @Test
  void whatIsDefinedIsReadBack() {
    DomainXml.Parsed p = DomainXml.parse(xml(), IMAGES);
    assertThat(p.uuid()).isEqualTo("7b1a3f4e-0000-4000-8000-000000000001");
    assertThat(p.libvirtName()).isEqualTo("vf+virtflow+host-1+web1");
    assertThat(p.vcpus()).isEqualTo(2);
    assertThat(p.memoryMiB()).isEqualTo(256);
    assertThat(p.meta()).isEqualTo(meta());
    assertThat(p.disks()).containsExactly(new Disk("vda", 10, Disk.QCOW2, "/pool/7b1a-vda.qcow2", "debian.qcow2"),
        new Disk("sdb", 0, Disk.QCOW2, "/pool/7b1a-sdb.qcow2"));
    assertThat(p.boot().kernel()).isEqualTo("vmlinuz");
    assertThat(p.boot().initrd()).isEqualTo("initrd.img");
    assertThat(p.boot().cmdline()).isEqualTo("console=ttyS0 quiet");
    assertThat(p.interfaces()).containsExactly(new NetInterface(null, "52:54:00:aa:bb:cc"),
        new NetInterface("default", "52:54:00:aa:bb:cd"));
    // Defined, not running: libvirt has no agent state to tell yet.
    assertThat(p.agentConnected()).isNull();
  }

  @Test
  void theDefinitionHasWhatARealGuestNeeds() {
    String x = xml();
    assertThat(x).contains("<domain type='qemu'>", "<features><acpi/></features>", "append='on'",
        "<target dev='vda' bus='virtio'/>", "<target dev='sdb' bus='sata'/>", "<interface type='user'>",
        "<source network='default'/>", "name='org.qemu.guest_agent.0'", "<panic model='isa'/>",
        "<title>web&lt;1&gt;</title>");
  }

  @Test
  void metadataAsLibvirtReturnsItIsParsedAndADomainWithoutItIsNotOurs() {
    String returned = "<domain xmlns=\"" + DomainXml.NS + "\" namespace=\"virtflow\" host=\"host-1\" name=\"web1\" "
        + "version=\"7\" state=\"SHUTOFF\" reason=\"DESTROYED\" guestAgent=\"false\"><disk target=\"vda\" "
        + "sizeGiB=\"1\"/></domain>";
    DomainXml.Meta m = DomainXml.parseMetadata(returned);
    assertThat(m.version()).isEqualTo(7);
    assertThat(m.reason()).isEqualTo(Reason.DESTROYED);
    assertThat(m.disks()).extracting(Disk::target).containsExactly("vda");
    assertThat(DomainXml.parse("<domain type='kvm'><name>theirs</name><uuid>x</uuid></domain>", IMAGES).meta()).isNull();
  }

  @Test
  void aDiskCanBeMovedToAnotherFile() {
    String moved = DomainXml.withDiskSource(xml(), "vda", "/pool/7b1a-vda-s1.qcow2");
    assertThat(DomainXml.parse(moved, IMAGES).disks().get(0).path()).isEqualTo("/pool/7b1a-vda-s1.qcow2");
    assertThat(DomainXml.parse(moved, IMAGES).meta()).isEqualTo(meta());
  }

  @Test
  void theProbeTrustsTheKernelsModulesNotTheDevice(@TempDir Path dir) throws Exception {
    Path kvm = Files.createFile(dir.resolve("kvm"));
    Path modules = dir.resolve("modules");
    Files.writeString(modules, "kvm_intel 368640 0 - Live 0x0\nkvm 1134592 1 kvm_intel, Live 0x0\n");
    assertThat(DomainTypes.probe(kvm, modules)).isEqualTo("kvm");
    Files.writeString(modules, "kvm_pvm 65536 0 - Live 0x0\nkvm_intel 368640 0 - Live 0x0\n");
    assertThat(DomainTypes.probe(kvm, modules)).isEqualTo("qemu");
    Files.writeString(modules, "kvm 1134592 0 - Live 0x0\n");
    assertThat(DomainTypes.probe(kvm, modules)).isEqualTo("qemu");
    assertThat(DomainTypes.probe(dir.resolve("none"), modules)).isEqualTo("qemu");
    assertThat(DomainTypes.decide("kvm", dir)).isEqualTo("kvm");
  }
}
