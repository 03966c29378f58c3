package io.virtflow.devstack.reliability;

/**
 * The size of the reliability scenarios: {@code -Dvirtflow.reliability.scale=full} runs the numbers of
 * issue #4 (1000 commands over 50 domains); {@code ci} (the default) a size that keeps the whole package
 * within a few minutes on two cores.
 */
final class Scale {
  static final String PROPERTY = "virtflow.reliability.scale";

  private Scale() {
  }

  static String name() {
    return "full".equals(System.getProperty(PROPERTY)) ? "full" : "ci";
  }

  static int pick(int ci, int full) {
    return "full".equals(name()) ? full : ci;
  }
}
