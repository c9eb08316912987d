package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * How far ahead of downstream demand the switch takes items from upstream (its javadoc's Demand):
 * the run's outputs are prefetched {@link EpochSwitch#BUFFER} deep, one item waits at the window
 * boundary and one more is requested ahead.
 */
class EpochSwitchDemandTest {
  @Test
  void aRunsChainIsPulledUpToBufferItemsAheadOfDownstreamDemand() {
    Ledger ledger = new Ledger();
    AtomicLong pulled = new AtomicLong();
    Flux<Outcome<Integer>> upstream = Flux.range(0, 1000)
        .map(i -> (Outcome<Integer>) new Outcome.Ok<>(i, ledger.admit(), 0))
        .doOnNext(o -> pulled.incrementAndGet());
    Function<Flux<Outcome<Integer>>, Flux<Outcome<Integer>>> chain = f -> f;
    EpochSwitch<Integer, Integer> sw = EpochSwitch.draining(chain);
    StepVerifier.create(upstream.transform(sw), 0)
        .then(() -> assertThat(pulled.get()).as("before any demand").isEqualTo(EpochSwitch.BUFFER + 2))
        .thenRequest(5)
        .expectNextCount(5)
        .then(() -> assertThat(pulled.get()).as("after five taken").isLessThanOrEqualTo(5 + EpochSwitch.BUFFER + 2))
        .thenCancel()
        .verify();
  }
}
