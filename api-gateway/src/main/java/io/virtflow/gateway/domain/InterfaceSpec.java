package io.virtflow.gateway.domain;

/**
 * A network interface: user-mode networking when {@code network} is null, else a libvirt network the
 * host has; {@code mac} is chosen by the host when null.
 */
public record InterfaceSpec(String network, String mac) {
}
