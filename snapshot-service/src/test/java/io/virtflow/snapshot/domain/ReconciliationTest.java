package io.virtflow.snapshot.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ReconciliationTest {
  private static final String BASE = "/pool/d-vda.qcow2";
  private static final String OVERLAY = "/pool/d-vda-w1-0.qcow2";
  private static final DiskLayout ONE_SNAPSHOT = DiskLayout.of(Map.of("vda", BASE)).withFile(OVERLAY, "vda", BASE)
      .withActive("vda", OVERLAY);

  private static Reconciliation.Observed seen(Map<String, String> backing, Set<String> pool) {
    return new Reconciliation.Observed(Map.of("vda", OVERLAY), backing, Map.of(BASE, Set.of(), OVERLAY, Set.of()),
        pool);
  }

  @Test
  void aBaseFileReadingThroughAnImageOutsideThePoolIsNoDrift() {
    var backing = new java.util.HashMap<String, String>();
    backing.put(OVERLAY, BASE);
    backing.put(BASE, "/images/base.qcow2");
    assertThat(Reconciliation.drift(ONE_SNAPSHOT, seen(backing, Set.of(BASE, OVERLAY)))).isEmpty();
  }

  @Test
  void aBaseFileReadingThroughAnotherPoolFileIsDrift() {
    var backing = new java.util.HashMap<String, String>();
    backing.put(OVERLAY, BASE);
    backing.put(BASE, "/pool/d-vda-stray.qcow2");
    assertThat(Reconciliation.drift(ONE_SNAPSHOT, seen(backing, Set.of(BASE, OVERLAY, "/pool/d-vda-stray.qcow2"))))
        .containsExactly("file " + BASE + ": catalog backing null, real backing /pool/d-vda-stray.qcow2",
            "orphan file /pool/d-vda-stray.qcow2 (on the host, not in the catalog)");
  }

  @Test
  void anOverlayOnTheWrongFileIsDrift() {
    var backing = new java.util.HashMap<String, String>();
    backing.put(OVERLAY, "/images/base.qcow2");
    backing.put(BASE, null);
    assertThat(Reconciliation.drift(ONE_SNAPSHOT, seen(backing, Set.of(BASE, OVERLAY))))
        .containsExactly("file " + OVERLAY + ": catalog backing " + BASE + ", real backing /images/base.qcow2");
  }
}
