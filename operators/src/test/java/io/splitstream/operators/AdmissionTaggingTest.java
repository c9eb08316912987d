package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class AdmissionTaggingTest {
  private final Ledger ledger = new Ledger();
  private final List<String> shed = new ArrayList<>();

  private Admission<String> admission(ShedPolicy policy, int capacity) {
    return Admission.of(policy, capacity, ledger, s -> 0L, Schedulers.immediate(), (s, reason) -> shed.add(s));
  }

  @Test
  void stampsEachItemWhenItIsCountedNotWhenItLeavesTheBuffer() {
    AtomicLong stamp = new AtomicLong();
    Admission<String> tagged = admission(ShedPolicy.DROP_NEWEST, 3)
        .tagging(s -> s + "@" + stamp.get() + "/" + ledger.snapshot().offered());

    // Nothing requested: the source runs ahead into the buffer, each item stamped as it comes in.
    StepVerifier.create(Flux.just("a", "b", "c", "d").doOnNext(s -> stamp.incrementAndGet()).transform(tagged), 0)
        .then(() -> stamp.set(100))
        .thenRequest(Long.MAX_VALUE)
        .assertNext(o -> assertThat(((Outcome.Ok<String>) o).value()).isEqualTo("a@1/1"))
        .assertNext(o -> assertThat(((Outcome.Ok<String>) o).value()).isEqualTo("b@2/2"))
        .assertNext(o -> assertThat(((Outcome.Ok<String>) o).value()).isEqualTo("c@3/3"))
        .verifyComplete();
    assertThat(shed).as("the shed item is handed over stamped").containsExactly("d@4/4");
  }

  @Test
  void successiveTaggersApplyInOrder() {
    Admission<String> tagged = admission(ShedPolicy.BLOCK, 4).tagging(s -> s + "1").tagging(s -> s + "2");
    StepVerifier.create(Flux.just("x").transform(tagged))
        .assertNext(o -> assertThat(((Outcome.Ok<String>) o).value()).isEqualTo("x12"))
        .verifyComplete();
  }

  @Test
  void aThrowingTaggerFailsThatItemAndEndsTheFlowAfterTheItemsBeforeIt() {
    IllegalArgumentException bad = new IllegalArgumentException("no epoch");
    Admission<String> tagged = admission(ShedPolicy.BLOCK, 4).tagging(s -> {
      if (s.equals("c")) {
        throw bad;
      }
      return s;
    });
    StepVerifier.create(Flux.just("a", "b", "c", "d").transform(tagged))
        .consumeNextWith(Outcome::settle)
        .consumeNextWith(Outcome::settle)
        .expectErrorMatches(e -> e == bad)
        .verify();
    assertThat(ledger.snapshot().failed("IllegalArgumentException")).isEqualTo(1);
    LedgerSnapshot s = ledger.snapshot();
    assertThat(s.offered()).isEqualTo(3);
    assertThat(s.inFlight()).isZero();
  }
}
