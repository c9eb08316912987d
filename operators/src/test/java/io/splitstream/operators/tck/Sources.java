package io.splitstream.operators.tck;

import io.splitstream.operators.Admission;
import io.splitstream.operators.Ledger;
import io.splitstream.operators.Outcome;
import io.splitstream.operators.ShedPolicy;
import org.reactivestreams.tck.TestEnvironment;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/** Shared pieces of the TCK verifications. */
final class Sources {
  /** Short timeouts keep each verification class to a few seconds. */
  static final long TIMEOUT_MS = 300;
  /** How long "no further signal" is awaited; many rules wait this out, so keep it short. */
  static final long NO_SIGNAL_MS = 50;
  static final long GC_TIMEOUT_MS = 1_000;

  private Sources() {}

  static TestEnvironment environment() {
    return new TestEnvironment(TIMEOUT_MS, NO_SIGNAL_MS);
  }

  /** Exactly {@code n} longs, produced on demand (works for n up to Long.MAX_VALUE). */
  static Flux<Long> counting(long n) {
    return Flux.generate(() -> 0L, (i, sink) -> {
      if (i >= n) {
        sink.complete();
      } else {
        sink.next(i);
      }
      return i + 1;
    });
  }

  /** {@code n} items admitted under {@code policy} with a fresh ledger. */
  static Flux<Outcome<Long>> admitted(long n, ShedPolicy policy, int capacity) {
    return counting(n).transform(admission(policy, capacity));
  }

  static Admission<Long> admission(ShedPolicy policy, int capacity) {
    return Admission.of(policy, capacity, new Ledger(), i -> 0L, Schedulers.immediate(), (item, reason) -> {});
  }
}
