package io.virtflow.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class PositionTest {

  @Property
  void itsTextReadsBackAsTheSamePosition(
      @ForAll @Size(min = 1, max = 20) Map<@IntRange(min = 0, max = 100_000) Integer,
          @LongRange(min = 0, max = 999_999_999_999_999_999L) Long> next) {
    Position p = Position.of(next);
    assertThat(Position.parse(p.toString())).isEqualTo(p);
    assertThat(Position.parse(p.toString()).nextOffsets()).isEqualTo(next);
  }

  @Test
  void readsTheGatewaysSseIds() {
    Position p = Position.parse("p0-o12.p1-o7.p2-o3");
    assertThat(p.nextOffsets()).containsExactly(Map.entry(0, 12L), Map.entry(1, 7L), Map.entry(2, 3L));
    assertThat(Position.of(Map.of(2, 3L, 0, 12L, 1, 7L))).hasToString("p0-o12.p1-o7.p2-o3");
  }

  @Test
  void theEndsOfTheStreamHaveNames() {
    assertThat(Position.parse(Position.earliest().toString()).isEarliest()).isTrue();
    assertThat(Position.parse(Position.latest().toString()).isLatest()).isTrue();
    assertThat(Position.of(Map.of())).isEqualTo(Position.earliest());
    assertThat(Position.earliest()).isNotEqualTo(Position.latest());
  }

  @Test
  void refusesTextThatIsNotAPosition() {
    for (String bad : new String[] {"", "p0-o1.", "p0-o1.p0-o2", "p-1-o3", "x", "p0-o1;p1-o2"}) {
      assertThatThrownBy(() -> Position.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a stream position");
    }
  }
}
