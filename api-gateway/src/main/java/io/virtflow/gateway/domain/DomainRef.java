package io.virtflow.gateway.domain;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How a {@code {domain}} path segment is read, as virsh does: a UUID in its canonical 8-4-4-4-12 hex
 * form is an id, anything else is a name. Names that look like a UUID are refused at define so that
 * the two can never be confused.
 */
public final class DomainRef {
  private static final Pattern UUID = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private DomainRef() {
  }

  public static boolean isUuid(String s) {
    return s != null && UUID.matcher(s).matches();
  }

  /** The canonical (lower-case) form of a UUID. */
  public static String canonicalId(String uuid) {
    return uuid.toLowerCase(Locale.ROOT);
  }
}
