package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class StreamPositionTest {

  @Property
  void formatThenParseGivesThePositionBack(
      @ForAll @Size(min = 1, max = 50) Map<@IntRange(min = 0, max = 100_000) Integer,
          @LongRange(min = 0, max = 999_999_999_999_999_999L) Long> offsets) {
    assertThat(StreamPosition.parse(StreamPosition.format(offsets))).contains(offsets);
  }

  @Test
  void theFormIsSortedByPartition() {
    assertThat(StreamPosition.format(Map.of(2, 7L, 0, 12L, 1, 0L))).isEqualTo("p0-o12.p1-o0.p2-o7");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "x", "p0", "p0-o", "p0-o1.", ".p0-o1", "p0-o1..p1-o2", "p-1-o2", "p0-o-1", "p0-o1.p0-o2",
      "p0-o1;p1-o2", "P0-O1", "p0-o1 ", "p100001-o1", "p0-o9999999999999999999"})
  void malformedPositionsAreRefused(String position) {
    assertThat(StreamPosition.parse(position)).isEmpty();
  }

  @Test
  void overlongPositionsAreRefused() {
    assertThat(StreamPosition.parse("p0-o1.".repeat(2000) + "p0-o1")).isEmpty();
  }
}
