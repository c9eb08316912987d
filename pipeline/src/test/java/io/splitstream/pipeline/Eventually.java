package io.splitstream.pipeline;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Waiting in tests for a real server or broker to reach a state, polled on a Reactor interval (no sleeps). */
public final class Eventually {
  private Eventually() {}

  /** Whether {@code condition} held at some poll (every {@code every}) within {@code timeout}. */
  public static boolean holds(Duration timeout, Duration every, BooleanSupplier condition) {
    Long hit = Flux.interval(Duration.ZERO, every).filter(i -> condition.getAsBoolean()).next()
        .timeout(timeout, Mono.empty()).block();
    return hit != null;
  }
}
