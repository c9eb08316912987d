package io.splitstream.operators;

import java.util.Objects;

/**
 * What became of one admitted item so far, flowing through successive stages to the sink.
 *
 * <p>An {@link Ok} carries the current value and is worked on by the next stage. A {@link Failed}
 * or {@link Shed} item skips all later stages but keeps its place in the order, so the sink sees
 * every admitted item exactly once, in admission order, and {@linkplain #settle() settles} its
 * ledger ticket.
 *
 * <p>{@link #readyNanos()} is when the item became ready for its next step (admitted, or finished
 * by the previous stage), on the pipeline's scheduler clock; the next stage measures queue wait
 * from it.
 *
 * @param <T> the type of the value an {@code Ok} carries at this point of the pipeline
 */
public sealed interface Outcome<T> permits Outcome.Ok, Outcome.Failed, Outcome.Shed {

  /** The ledger account this item settles at the sink. */
  Ledger.Ticket ticket();

  /** When the item became ready for its next step, scheduler nanoseconds. */
  long readyNanos();

  /**
   * Settles the ticket: completed for {@code Ok}, failed with its cause, shed with its reason.
   * Call once, at the sink.
   *
   * @return false if the flow had been cancelled and the ticket already abandoned
   * @throws IllegalStateException if the ticket was settled before
   */
  boolean settle();

  /** True for {@link Ok}. */
  default boolean isOk() {
    return this instanceof Ok;
  }

  /**
   * A successful item.
   *
   * @param value the current value (output of the last stage, or the admitted item)
   */
  record Ok<T>(T value, Ledger.Ticket ticket, long readyNanos) implements Outcome<T> {
    public Ok {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(ticket, "ticket");
    }

    @Override
    public boolean settle() {
      return ticket.complete();
    }
  }

  /**
   * An item whose work failed; later stages pass it through untouched.
   *
   * @param item the value the failing stage was given (its input type, hence {@code Object})
   * @param cause what went wrong
   * @param where the name of the stage that failed it
   */
  record Failed<T>(Object item, Throwable cause, String where, Ledger.Ticket ticket, long readyNanos)
      implements Outcome<T> {
    public Failed {
      Objects.requireNonNull(item, "item");
      Objects.requireNonNull(cause, "cause");
      Objects.requireNonNull(where, "where");
      Objects.requireNonNull(ticket, "ticket");
    }

    @Override
    public boolean settle() {
      return ticket.fail(cause);
    }

    /** The same failure seen as an outcome of another value type (it carries no {@code T}). */
    public <R> Failed<R> retype() {
      return new Failed<>(item, cause, where, ticket, readyNanos);
    }
  }

  /**
   * An item shed by a policy; later stages pass it through untouched.
   *
   * @param item the value when it was shed (admitted item or a stage's input, hence {@code Object})
   * @param reason the reason it is counted under, e.g. {@code deadline}
   * @param where the name of the stage or admission point that shed it
   */
  record Shed<T>(Object item, String reason, String where, Ledger.Ticket ticket, long readyNanos)
      implements Outcome<T> {
    public Shed {
      Objects.requireNonNull(item, "item");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(where, "where");
      Objects.requireNonNull(ticket, "ticket");
    }

    @Override
    public boolean settle() {
      return ticket.shed(reason);
    }

    /** The same shed item seen as an outcome of another value type (it carries no {@code T}). */
    public <R> Shed<R> retype() {
      return new Shed<>(item, reason, where, ticket, readyNanos);
    }
  }
}
