package io.virtflow.agent.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One network interface: user-mode networking ({@code network} null: QEMU's own NAT, no set-up on the
 * host) or a libvirt network the host has ({@code network} its name). {@code mac} is chosen by the host at
 * define when the definition leaves it out.
 */
public record NetInterface(String network, String mac) {
  private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

  public static NetInterface user() {
    return new NetInterface(null, null);
  }

  public boolean userMode() {
    return network == null;
  }

  public NetInterface withMac(String chosen) {
    return new NetInterface(network, chosen);
  }

  /**
   * The MAC a host gives interface {@code index} of {@code domainId} when the definition names none: in
   * QEMU's locally administered range 52:54:00, derived from the domain id, so that a retried define
   * chooses the same one.
   */
  public static String macFor(String domainId, int index) {
    int h = (domainId + "/" + index).hashCode();
    return String.format("52:54:00:%02x:%02x:%02x", (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff);
  }

  /** The interfaces of a definition with a MAC each. */
  public static List<NetInterface> withMacs(String domainId, List<NetInterface> interfaces) {
    List<NetInterface> out = new ArrayList<>(interfaces.size());
    for (int i = 0; i < interfaces.size(); i++) {
      NetInterface n = interfaces.get(i);
      out.add(n.mac() == null ? n.withMac(macFor(domainId, i)) : n);
    }
    return out;
  }

  /** Everything wrong with interface number {@code index}, each named. */
  public List<String> problems(int index) {
    List<String> problems = new ArrayList<>();
    if (network != null && !NETWORK.matcher(network).matches()) {
      problems.add("interfaces[" + index + "].network '" + network + "' is not a network name");
    }
    if (mac != null && !MAC.matcher(mac).matches()) {
      problems.add("interfaces[" + index + "].mac '" + mac + "' is not a MAC address such as 52:54:00:12:34:56");
    } else if (mac != null && (Integer.parseInt(mac.substring(0, 2), 16) & 1) == 1) {
      problems.add("interfaces[" + index + "].mac '" + mac + "' is a multicast address");
    }
    return problems;
  }
}
