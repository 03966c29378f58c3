package io.virtflow.agent.domain;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Names of files in a host's image directory, as a definition gives them: relative, plain, and never
 * leaving the directory (no {@code ..}, no absolute path, no hidden file).
 */
public final class ImageNames {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}");

  private ImageNames() {
  }

  /** Adds a problem naming {@code field} when {@code name} is not a plain relative name. */
  public static void check(String field, String name, List<String> problems) {
    if (name == null || name.isEmpty()) {
      problems.add(field + " is missing: name a file in the host's image directory");
      return;
    }
    if (!isValid(name)) {
      problems.add(field + " '" + name + "' must name a file inside the host's image directory (a relative "
          + "path of plain names; no '..', no leading '/')");
    }
  }

  public static boolean isValid(String name) {
    if (name == null || name.isEmpty() || name.length() > 512 || name.startsWith("/")) {
      return false;
    }
    for (String segment : name.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches()) {
        return false;
      }
    }
    return true;
  }
}
