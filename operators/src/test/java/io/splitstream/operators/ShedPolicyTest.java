package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ShedPolicyTest {

  @Test
  void parsesEveryCliName() {
    assertThat(ShedPolicy.parse("block", Optional.empty())).isEqualTo(ShedPolicy.BLOCK);
    assertThat(ShedPolicy.parse("drop-oldest", Optional.empty())).isEqualTo(ShedPolicy.DROP_OLDEST);
    assertThat(ShedPolicy.parse(" DROP-NEWEST ", Optional.empty())).isEqualTo(ShedPolicy.DROP_NEWEST);
    assertThat(ShedPolicy.parse("deadline", Optional.of(Duration.ofMillis(80))))
        .isEqualTo(ShedPolicy.deadline(Duration.ofMillis(80)));
  }

  @Test
  void namesAreTheReasonsCounted() {
    assertThat(ShedPolicy.DROP_OLDEST.reason()).isEqualTo("drop-oldest");
    assertThat(ShedPolicy.DROP_NEWEST.reason()).isEqualTo("drop-newest");
    assertThat(ShedPolicy.deadline(Duration.ofMillis(1)).reason()).isEqualTo("deadline");
    assertThat(ShedPolicy.BLOCK.name()).isEqualTo("block");
  }

  @Test
  void unknownNameListsTheValidOnesOnOneLine() {
    assertThatThrownBy(() -> ShedPolicy.parse("drop-random", Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown shed policy 'drop-random': use one of block, drop-oldest, drop-newest, deadline");
  }

  @Test
  void deadlineNeedsAPositiveBudget() {
    assertThatThrownBy(() -> ShedPolicy.parse("deadline", Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a latency budget");
    assertThatThrownBy(() -> ShedPolicy.deadline(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not positive");
  }

  @Test
  void deadlineExpiresStrictlyAfterTheBudget() {
    ShedPolicy.Deadline d = ShedPolicy.deadline(Duration.ofNanos(100));
    assertThat(d.expired(1_000, 1_100)).isFalse();
    assertThat(d.expired(1_000, 1_101)).isTrue();
  }
}
