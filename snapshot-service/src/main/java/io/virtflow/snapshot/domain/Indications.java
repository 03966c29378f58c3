package io.virtflow.snapshot.domain;

/** How a snapshot was really taken (KubeVirt's "indications"). */
public record Indications(boolean online, boolean quiesced, boolean paused) {
}
