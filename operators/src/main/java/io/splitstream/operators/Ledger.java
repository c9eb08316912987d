package io.splitstream.operators;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The account of every item a pipeline was offered: each is admitted once and leaves exactly once,
 * completed, shed (with a reason) or failed (with a cause).
 *
 * <p>{@link #admit()} opens a {@link Ticket}; the ticket is settled exactly once through {@link
 * Ticket#complete()}, {@link Ticket#shed(String)} or {@link Ticket#fail(Throwable)}. Settling a
 * ticket twice is a bug in the caller and throws {@link IllegalStateException}.
 *
 * <p>Thread-safe: tickets may be opened and settled from any thread. All counters change under one
 * lock, so every {@link #snapshot()} satisfies {@code offered = completed + shed + failed +
 * inFlight}. That identity holds by construction (each change moves one item from one counter to
 * another under the lock), so {@link LedgerSnapshot#balanced()} cannot catch a lost or doubly
 * settled frame: {@link FrameAudit}, which records every frame by stream and sequence number, is the
 * check that can fail. The lock is held for a few field updates only; at video frame rates it is
 * never contended long.
 */
public final class Ledger {
  private final Object lock = new Object();
  private long offered;
  private long completed;
  private long shed;
  private long failed;
  private long inFlight;
  private final Map<String, Long> shedByReason = new TreeMap<>();
  private final Map<String, Long> failedByCause = new TreeMap<>();

  /** Opens the account of one offered item: offered and in flight both grow by one. */
  public Ticket admit() {
    synchronized (lock) {
      offered++;
      inFlight++;
    }
    return new Ticket(this);
  }

  /** A consistent copy of all counters, taken under the ledger's lock. */
  public LedgerSnapshot snapshot() {
    synchronized (lock) {
      return new LedgerSnapshot(
          offered, completed, shed, failed, inFlight, Map.copyOf(shedByReason), Map.copyOf(failedByCause));
    }
  }

  private void leave(Kind kind, String key) {
    synchronized (lock) {
      if (inFlight <= 0) {
        // Tickets make this unreachable; kept because a negative in-flight count would hide a bug.
        throw new IllegalStateException("ledger has no item in flight to settle as " + kind);
      }
      inFlight--;
      switch (kind) {
        case COMPLETED -> completed++;
        case SHED -> {
          shed++;
          shedByReason.merge(key, 1L, Long::sum);
        }
        case FAILED -> {
          failed++;
          failedByCause.merge(key, 1L, Long::sum);
        }
      }
    }
  }

  private enum Kind {
    COMPLETED,
    SHED,
    FAILED
  }

  /**
   * The name a failure is counted under: the exception's simple class name (its full name for
   * anonymous classes, which have no simple name).
   */
  public static String causeName(Throwable cause) {
    String simple = cause.getClass().getSimpleName();
    return simple.isEmpty() ? cause.getClass().getName() : simple;
  }

  /**
   * One admitted item's account. Settled exactly once; any thread may settle it.
   *
   * <p>A ticket can also be <em>abandoned</em> by the admission operator when the flow is cancelled
   * (counted as shed with the abandonment reason). A later settlement of an abandoned ticket is the
   * expected race between cancellation and work already running, so it is ignored and returns
   * {@code false} instead of throwing.
   */
  public static final class Ticket {
    private enum State {
      OPEN,
      SETTLED,
      ABANDONED
    }

    private final Ledger ledger;
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private volatile Runnable onLeave = () -> {};

    private Ticket(Ledger ledger) {
      this.ledger = ledger;
    }

    /** Counts the item as completed. @return false if it had been abandoned by cancellation */
    public boolean complete() {
      return settle(Kind.COMPLETED, "");
    }

    /** Counts the item as shed for {@code reason}, e.g. {@code "drop-oldest"}. */
    public boolean shed(String reason) {
      return settle(Kind.SHED, requireKey(reason, "reason"));
    }

    /** Counts the item as failed under {@link Ledger#causeName(Throwable)}. */
    public boolean fail(Throwable cause) {
      return settle(Kind.FAILED, causeName(Objects.requireNonNull(cause, "cause")));
    }

    /** Counts the item as failed under the given cause name. */
    public boolean fail(String cause) {
      return settle(Kind.FAILED, requireKey(cause, "cause"));
    }

    /** True until the ticket is settled or abandoned. */
    public boolean isOpen() {
      return state.get() == State.OPEN;
    }

    /** Settles as shed unless already settled; used when a flow is cancelled. */
    boolean abandon(String reason) {
      if (!state.compareAndSet(State.OPEN, State.ABANDONED)) {
        return false;
      }
      ledger.leave(Kind.SHED, reason);
      onLeave.run();
      return true;
    }

    /** Runs once when the ticket leaves the open state; set before the ticket is published. */
    void onLeave(Runnable hook) {
      this.onLeave = hook;
    }

    private boolean settle(Kind kind, String key) {
      if (state.compareAndSet(State.OPEN, State.SETTLED)) {
        ledger.leave(kind, key);
        onLeave.run();
        return true;
      }
      if (state.get() == State.ABANDONED) {
        return false;
      }
      throw new IllegalStateException(
          "item settled twice (as " + kind + "): it is no longer in flight; settle each ticket once");
    }

    private static String requireKey(String key, String what) {
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(what + " must be a non-blank name, got '" + key + "'");
      }
      return key;
    }
  }
}
