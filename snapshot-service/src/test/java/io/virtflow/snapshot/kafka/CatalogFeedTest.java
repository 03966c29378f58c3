package io.virtflow.snapshot.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.virtflow.schema.SnapshotEvent;
import io.virtflow.schema.SnapshotPhase;
import io.virtflow.snapshot.domain.CatalogBook;
import io.virtflow.snapshot.domain.DomainCatalog;
import io.virtflow.snapshot.domain.DomainCatalog.InProgress.Phase;

class CatalogFeedTest {

  @ParameterizedTest
  @EnumSource(value = SnapshotPhase.class, names = {"CREATING", "REVERTING", "DELETING"})
  void a_started_event_records_its_workflow_under_the_same_phase(SnapshotPhase started) {
    CatalogBook book = new CatalogBook();
    new CatalogFeed(book).apply(SnapshotEvent.newBuilder().setEventId("e1").setDomainId("d1").setWorkflowId("w1")
        .setCommandId("c1").setPhase(started).setSnapshotName("s1").setAt(Instant.EPOCH).setHostId("h1").build());

    assertThat(book.get("d1")).get().extracting(DomainCatalog::inProgress)
        .satisfies(ip -> assertThat(ip.phase()).isEqualTo(Phase.valueOf(started.name())));
  }
}
