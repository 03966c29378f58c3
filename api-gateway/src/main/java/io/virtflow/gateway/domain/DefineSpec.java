package io.virtflow.gateway.domain;

import java.util.List;

/**
 * A define request as the client wrote it. Numbers are kept wide so that {@link DomainRules} can say
 * "out of range" instead of the parser saying "overflow".
 *
 * @param host the host asked for, or null to let the gateway place the domain
 */
public record DefineSpec(String name, String host, long vcpus, long memoryMiB, List<DiskSpec> disks) {
  public DefineSpec {
    disks = List.copyOf(disks);
  }
}
