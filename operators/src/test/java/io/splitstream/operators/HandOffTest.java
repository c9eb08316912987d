package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class HandOffTest {

  @Test
  void requestsAtMostItsCapacityAheadAndCountsDepth() {
    HandOff<Integer> handOff = HandOff.bounded(8);
    List<Long> requests = new ArrayList<>();
    AtomicLong emitted = new AtomicLong();
    Flux<Integer> fast = Flux.range(0, 1000).doOnRequest(requests::add).doOnNext(i -> emitted.incrementAndGet());

    StepVerifier.create(fast.transform(handOff), 0)
        .then(() -> assertThat(emitted.get()).isEqualTo(8))
        .then(() -> assertThat(handOff.depth()).isEqualTo(8))
        .thenRequest(3)
        .expectNext(0, 1, 2)
        .then(() -> assertThat(emitted.get() - 3).isLessThanOrEqualTo(8))
        .thenRequest(Long.MAX_VALUE)
        .expectNextCount(997)
        .verifyComplete();
    assertThat(requests).allMatch(r -> r <= 8);
    assertThat(handOff.depth()).isZero();
  }

  @Test
  void cancellationResetsTheDepth() {
    HandOff<Integer> handOff = HandOff.bounded(4);
    StepVerifier.create(Flux.range(0, 100).transform(handOff), 1)
        .expectNext(0)
        .then(() -> assertThat(handOff.depth()).isEqualTo(3))
        .thenCancel()
        .verify();
    assertThat(handOff.depth()).isZero();
  }

  @Test
  void anUpstreamErrorComesAfterTheQueuedItems() {
    HandOff<Integer> handOff = HandOff.bounded(8);
    IllegalStateException boom = new IllegalStateException("upstream failed");
    Flux<Integer> failing = Flux.range(0, 8).concatWith(Flux.error(boom));

    StepVerifier.create(failing.transform(handOff), 0)
        .then(() -> assertThat(handOff.depth()).as("all eight queued, error arrived behind them").isEqualTo(8))
        .thenRequest(3)
        .expectNext(0, 1, 2)
        .thenRequest(5)
        .expectNext(3, 4, 5, 6, 7)
        .expectErrorMatches(e -> e == boom)
        .verify();
    assertThat(handOff.depth()).isZero();
  }

  @Test
  void rejectsANonPositiveCapacity() {
    assertThatThrownBy(() -> HandOff.bounded(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("capacity 0");
  }
}
