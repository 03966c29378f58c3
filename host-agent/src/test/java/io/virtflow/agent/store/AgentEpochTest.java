package io.virtflow.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentEpochTest {
  @TempDir
  Path dataDir;

  @Test
  void aFreshDataDirectoryStillTakesAnEpochAboveEveryInstanceSeenOnTheBus() throws IOException {
    assertThat(AgentEpoch.next(dataDir, 7)).isEqualTo(8);
    assertThat(Files.readString(dataDir.resolve(AgentEpoch.FILE))).isEqualTo("8");
  }

  @Test
  void theLocalCounterWinsWhenTheBusHasForgottenOlderEpochs() throws IOException {
    Files.writeString(dataDir.resolve(AgentEpoch.FILE), "12");
    assertThat(AgentEpoch.next(dataDir, 3)).isEqualTo(13);
  }

  @Test
  void aCorruptEpochFileStopsTheStart() throws IOException {
    Files.writeString(dataDir.resolve(AgentEpoch.FILE), "twelve");
    assertThatThrownBy(() -> AgentEpoch.next(dataDir, 3)).isInstanceOf(IOException.class)
        .hasMessageContaining("does not hold an epoch number");
  }
}
