package io.splitstream.operators;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What admission does when a live source offers more than the pipeline takes.
 *
 * <ul>
 *   <li>{@link #BLOCK}: nothing is shed; demand reaches the source, which must wait (file replay).
 *   <li>{@link #DROP_OLDEST}: a bounded buffer; when full, the oldest buffered item is shed.
 *   <li>{@link #DROP_NEWEST}: a bounded buffer; when full, the arriving item is shed.
 *   <li>{@link Deadline}: the budget bounds an item's end-to-end latency, from its capture time to
 *       leaving the last stage, on the scheduler clock. An item predicted to finish later than that
 *       (its age plus the predicted time of what is still ahead of it) is shed before it is
 *       computed: when it leaves the admission buffer and again at every stage entry.
 * </ul>
 *
 * <p>The {@link #reason()} is the name a shed item is counted under in the {@link Ledger}.
 */
public sealed interface ShedPolicy
    permits ShedPolicy.Block, ShedPolicy.DropOldest, ShedPolicy.DropNewest, ShedPolicy.Deadline {

  /** Backpressure to the source; the default for file replay. */
  ShedPolicy BLOCK = new Block();

  /** Shed the oldest buffered item when the buffer is full. */
  ShedPolicy DROP_OLDEST = new DropOldest();

  /** Shed the arriving item when the buffer is full. */
  ShedPolicy DROP_NEWEST = new DropNewest();

  /** The CLI name, e.g. {@code drop-oldest}. */
  String name();

  /** The reason items shed by this policy are counted under; equal to {@link #name()}. */
  default String reason() {
    return name();
  }

  /** A deadline policy with the given budget (positive). */
  static Deadline deadline(Duration budget) {
    return new Deadline(budget);
  }

  /**
   * Parses a CLI name: {@code block}, {@code drop-oldest}, {@code drop-newest} or {@code deadline}
   * (case-insensitive). Only {@code deadline} uses the budget, and requires it.
   *
   * @throws IllegalArgumentException one line naming the bad value and the valid names
   */
  static ShedPolicy parse(String name, Optional<Duration> deadlineBudget) {
    String n = Objects.requireNonNull(name, "name").trim().toLowerCase(java.util.Locale.ROOT);
    return switch (n) {
      case "block" -> BLOCK;
      case "drop-oldest" -> DROP_OLDEST;
      case "drop-newest" -> DROP_NEWEST;
      case "deadline" -> deadline(
          deadlineBudget.orElseThrow(
              () -> new IllegalArgumentException(
                  "shed policy 'deadline' needs a latency budget: give one, e.g. 100ms")));
      default -> throw new IllegalArgumentException(
          "unknown shed policy '" + name + "': use one of block, drop-oldest, drop-newest, deadline");
    };
  }

  /** Backpressure to the source; sheds nothing. */
  record Block() implements ShedPolicy {
    @Override
    public String name() {
      return "block";
    }
  }

  /** Bounded buffer that sheds its oldest item when full. */
  record DropOldest() implements ShedPolicy {
    @Override
    public String name() {
      return "drop-oldest";
    }
  }

  /** Bounded buffer that sheds the arriving item when full. */
  record DropNewest() implements ShedPolicy {
    @Override
    public String name() {
      return "drop-newest";
    }
  }

  /**
   * Sheds, before they are computed, items that would not finish within {@code budget} of their
   * capture. Its admission buffer, when full, sheds its oldest item under reason {@value
   * #OVERFLOW}: that item was not known to be late, the buffer was simply full, and the ledger
   * says so.
   *
   * @param budget the most an item may take from capture to leaving the last stage; positive
   */
  record Deadline(Duration budget) implements ShedPolicy {
    /** The reason for items shed because the admission buffer was full (not for lateness). */
    public static final String OVERFLOW = "overflow";

    public Deadline {
      Objects.requireNonNull(budget, "budget");
      if (budget.isZero() || budget.isNegative()) {
        throw new IllegalArgumentException(
            "deadline budget " + budget + " is not positive: give a budget above zero, e.g. 100ms");
      }
    }

    @Override
    public String name() {
      return "deadline";
    }

    /** True if an item captured at {@code captureNanos} is past its budget at {@code nowNanos}. */
    public boolean expired(long captureNanos, long nowNanos) {
      return late(captureNanos, nowNanos, 0);
    }

    /**
     * True if an item captured at {@code captureNanos} would miss its budget when what is still
     * ahead of it at {@code nowNanos} takes {@code aheadNanos}.
     */
    public boolean late(long captureNanos, long nowNanos, long aheadNanos) {
      return nowNanos - captureNanos + Math.max(0, aheadNanos) > budget.toNanos();
    }
  }
}
