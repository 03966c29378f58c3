package io.virtflow.gateway.domain;

/** One disk asked for on define: its guest target and size; ranges are checked by {@link DomainRules}. */
public record DiskSpec(String target, long sizeGiB) {
}
