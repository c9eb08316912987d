package io.splitstream.operators;

import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable, consistent copy of a {@link Ledger}'s counters.
 *
 * @param offered items admitted so far
 * @param completed items that left completed
 * @param shed items shed, all reasons together
 * @param failed items failed, all causes together
 * @param inFlight items admitted and not yet settled (counted on its own, not derived)
 * @param shedByReason shed items per reason, e.g. {@code drop-oldest}
 * @param failedByCause failed items per cause, e.g. {@code IllegalStateException}
 */
public record LedgerSnapshot(
    long offered,
    long completed,
    long shed,
    long failed,
    long inFlight,
    Map<String, Long> shedByReason,
    Map<String, Long> failedByCause) {

  public LedgerSnapshot {
    shedByReason = Map.copyOf(shedByReason);
    failedByCause = Map.copyOf(failedByCause);
  }

  /** True when {@code offered = completed + shed + failed + inFlight}. */
  public boolean balanced() {
    return offered == completed + shed + failed + inFlight;
  }

  /** Items shed for one reason (0 if none). */
  public long shed(String reason) {
    return shedByReason.getOrDefault(reason, 0L);
  }

  /** Items failed under one cause (0 if none). */
  public long failed(String cause) {
    return failedByCause.getOrDefault(cause, 0L);
  }

  /** Items that have left the pipeline, whichever way. */
  public long settled() {
    return completed + shed + failed;
  }

  /** E.g. {@code offered=100 completed=90 shed=8 {drop-oldest=8} failed=2 {IOException=2} inFlight=0 balanced}. */
  @Override
  public String toString() {
    return "offered=" + offered
        + " completed=" + completed
        + " shed=" + shed + (shedByReason.isEmpty() ? "" : " " + new TreeMap<>(shedByReason))
        + " failed=" + failed + (failedByCause.isEmpty() ? "" : " " + new TreeMap<>(failedByCause))
        + " inFlight=" + inFlight
        + (balanced() ? " balanced" : " UNBALANCED");
  }
}
