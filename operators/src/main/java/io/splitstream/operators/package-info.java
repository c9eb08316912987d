/**
 * Stream building blocks that know nothing of deep learning: admission with shed policies, ordered
 * stages with replicas, bounded hand-offs, the ledger, epoch switching and timing taps.
 *
 * <p>A pipeline over items of any type {@code T} is assembled with {@code transform}:
 *
 * <pre>{@code
 * Ledger ledger = new Ledger();
 * Admission<T> admission = Admission.of(policy, 64, ledger, T::captureNanos, clock, onShed);
 * Flux<Outcome<R>> flow = source
 *     .transform(admission)                       // Flux<T> -> Flux<Outcome<T>>, every item counted
 *     .transform(stage1)                          // OrderedStage<T, M>
 *     .transform(HandOff.bounded(4))              // optional: let stage 1 work ahead by 4
 *     .transform(stage2);                         // OrderedStage<M, R>
 * Mono<LedgerSnapshot> report = LedgerSink.settle(flow, ledger, outcome -> deliver(outcome));
 * // later: admission.drain() -> in-flight items finish, then report emits
 * }</pre>
 *
 * <p>Every admitted item reaches the sink exactly once, in admission order, as an {@link
 * io.splitstream.operators.Outcome} (Ok, Failed with its cause, or Shed with its reason), except
 * items shed at admission, which the admission point settles itself. Timing goes through the
 * Reactor {@code Scheduler} passed in, so the same assembly runs in real time, under reactor-test's
 * virtual time, or in {@link io.splitstream.operators.time.SimulatedTime}.
 */
package io.splitstream.operators;
