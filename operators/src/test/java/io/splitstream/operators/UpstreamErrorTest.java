package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** A source error ends the flow only after every admitted item has settled, whatever the policy. */
class UpstreamErrorTest {
  private static final int FRAMES = 20;
  private static final int CAPACITY = 8;

  private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
  private final Ledger ledger = new Ledger();
  private final List<Long> delivered = new ArrayList<>();
  private final List<Long> shedAtAdmission = new ArrayList<>();
  private final List<Long> shedDownstream = new ArrayList<>();

  private static ShedPolicy policy(String name) {
    return ShedPolicy.parse(name, java.util.Optional.of(Duration.ofMillis(25)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"block", "drop-oldest", "drop-newest", "deadline"})
  void aSourceErrorComesAfterEveryAdmittedItemHasSettled(String policyName) {
    IllegalStateException boom = new IllegalStateException("camera unplugged");
    Flux<Item> source = Flux.range(0, FRAMES)
        .map(i -> new Item(i, vts.now(TimeUnit.NANOSECONDS)))
        .concatWith(Mono.error(boom));
    Admission<Item> admission = Admission.of(policy(policyName), CAPACITY, ledger, Item::captureNanos, vts,
        (item, reason) -> shedAtAdmission.add(item.seq()));
    OrderedStage<Item, Item> stage = OrderedStage.async("slow", List.of(0),
        (Work<Integer, Item> w) -> Mono.delay(Duration.ofMillis(10), vts).thenReturn(w.item()), vts);

    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    AtomicReference<LedgerSnapshot> atError = new AtomicReference<>();
    LedgerSink.settle(source.transform(admission).transform(stage), ledger, o -> {
          if (o instanceof Outcome.Ok<Item> ok) {
            delivered.add(ok.value().seq());
          } else if (o instanceof Outcome.Shed<Item> s) {
            shedDownstream.add(((Item) s.item()).seq());
          }
        })
        .subscribe(report::set, e -> {
          atError.set(ledger.snapshot());
          error.set(e);
        });
    vts.advanceTimeBy(Duration.ofSeconds(1));

    assertThat(report.get()).as("the flow ends with the source's error, not a report").isNull();
    assertThat(error.get()).isSameAs(boom);
    LedgerSnapshot s = atError.get();
    assertThat(s.inFlight()).as("settled before the error arrived: %s", s).isZero();
    assertThat(s.balanced()).isTrue();
    assertThat(s.offered()).isEqualTo(FRAMES);
    assertThat(s.completed() + s.shed() + s.failed()).isEqualTo(s.offered());
    assertThat(s.completed()).isEqualTo(delivered.size());
    // Nothing lost silently: each frame was delivered or shed with a reason, exactly once.
    List<Long> accounted = new ArrayList<>(delivered);
    accounted.addAll(shedAtAdmission);
    accounted.addAll(shedDownstream);
    assertThat(accounted).containsExactlyInAnyOrderElementsOf(LongStream.range(0, FRAMES).boxed().toList());
    assertThat(delivered).isSorted();
    if (policyName.equals("block")) {
      assertThat(s.completed()).isEqualTo(FRAMES);
    }
  }
}
