package io.splitstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

class EpochSwitchRoutedTest {
  private static final int CAPACITY = 4;
  private static final int CHAIN_WINDOW = 1;
  /** Items a switch may hold beyond admission and the chains' windows (its own small queues). */
  private static final int SLACK = 4;

  private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();
  private final Ledger ledger = new Ledger();
  private final List<String> ran = new ArrayList<>(); // "a:17": plan a started frame 17
  private final List<String> outputs = new ArrayList<>();

  /** A frame of a file replay, stamped with its epoch at admission. */
  record Frame(long seq, long epoch) {
    Frame withEpoch(long e) {
      return new Frame(seq, e);
    }
  }

  /** One plan: a single 10 ms worker that tags each frame with the plan's letter. */
  private Function<Flux<Outcome<Frame>>, Flux<Outcome<String>>> plan(char letter) {
    return OrderedStage.async("plan-" + letter, List.of(0), (Work<Integer, Frame> w) -> {
      ran.add(letter + ":" + w.item().seq());
      return Mono.delay(Duration.ofMillis(10), vts).thenReturn(letter + ":" + w.item().seq());
    }, vts);
  }

  private Admission<Frame> admission() {
    return Admission.of(ShedPolicy.BLOCK, CAPACITY, ledger, f -> 0L, vts, (f, r) -> {});
  }

  private AtomicReference<LedgerSnapshot> run(Flux<Outcome<Frame>> admitted, EpochSwitch<Frame, String> epochs) {
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    LedgerSink.settle(admitted.transform(epochs), ledger, o -> outputs.add(((Outcome.Ok<String>) o).value()))
        .subscribe(report::set);
    return report;
  }

  private static Flux<Frame> replay(int n) {
    return Flux.range(0, n).map(i -> new Frame(i, 0));
  }

  private long ranOn(char letter) {
    return ran.stream().filter(r -> r.charAt(0) == letter).count();
  }

  @Test
  void aPullRoutedSwitchHoldsNoMoreThanAdmissionAndTheChainsWindow() {
    EpochSwitch<Frame, String> epochs = EpochSwitch.overlapping(plan('a'));
    Admission<Frame> admission = admission();
    AtomicReference<LedgerSnapshot> report = run(replay(1000).transform(admission), epochs);
    vts.advanceTimeBy(Duration.ofMillis(105));

    assertThat(ledger.snapshot().inFlight()).as("in flight (admitted, not settled)")
        .isLessThanOrEqualTo(CAPACITY + CHAIN_WINDOW + SLACK);
    long beforeSwitch = ranOn('a');
    epochs.switchTo(plan('b'));
    vts.advanceTimeBy(Duration.ofMillis(500));
    admission.drain();
    vts.advanceTimeBy(Duration.ofSeconds(20));

    assertThat(ranOn('a') - beforeSwitch).as("frames run on the old plan after the switch")
        .isLessThanOrEqualTo(CAPACITY + CHAIN_WINDOW + SLACK);
    assertThat(report.get()).isNotNull();
    assertThat(report.get().completed()).isEqualTo(report.get().offered()).isEqualTo(outputs.size());
  }

  private Flux<Outcome<Frame>> tagged(Flux<Frame> source, Admission<Frame> admission, EpochSwitch<Frame, String> epochs) {
    return source.transform(admission.tagging(f -> f.withEpoch(epochs.current().number())));
  }

  @Test
  void anAdmissionRoutedSwitchSendsOnlyFramesAdmittedBeforeTheSwitchToTheOldPlan() {
    EpochSwitch<Frame, String> epochs = EpochSwitch.routedBy(Frame::epoch, plan('a'));
    Admission<Frame> admission = admission();
    AtomicReference<LedgerSnapshot> report = run(tagged(replay(1000), admission, epochs), epochs);
    vts.advanceTimeBy(Duration.ofMillis(105));

    long inFlight = ledger.snapshot().inFlight();
    assertThat(inFlight).as("in flight (admitted, not settled)").isLessThanOrEqualTo(CAPACITY + CHAIN_WINDOW + SLACK);
    long beforeSwitch = ranOn('a');
    epochs.switchTo(plan('b'));
    vts.advanceTimeBy(Duration.ofMillis(500));
    admission.drain();
    vts.advanceTimeBy(Duration.ofSeconds(20));

    assertThat(ranOn('a') - beforeSwitch).as("frames run on the old plan after the switch")
        .isLessThanOrEqualTo(inFlight);
    assertThat(ranOn('b')).isPositive();
    assertThat(report.get()).isNotNull();
    assertThat(report.get().completed()).isEqualTo(report.get().offered()).isEqualTo(outputs.size());
  }

  @Test
  void outputsKeepAdmissionOrderAcrossSwitchesAndEachOldEpochRetiresOnceAfterItsLastOutput() {
    List<String> events = new ArrayList<>(); // outputs and "retired:N", in the order they happened
    EpochSwitch<Frame, String> epochs = EpochSwitch.routedBy(Frame::epoch, plan('a'))
        .onRetired(e -> events.add("retired:" + e.number()));
    Admission<Frame> admission = admission();
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    LedgerSink.settle(tagged(replay(1000), admission, epochs).transform(epochs), ledger, o -> {
          String out = ((Outcome.Ok<String>) o).value();
          outputs.add(out);
          events.add(out);
        })
        .subscribe(report::set);
    vts.advanceTimeBy(Duration.ofMillis(105));
    epochs.switchTo(plan('b'));
    vts.advanceTimeBy(Duration.ofMillis(100));
    epochs.switchTo(plan('x')); // gets no frame: switched away from at once
    epochs.switchTo(plan('c'));
    vts.advanceTimeBy(Duration.ofMillis(100));
    assertThat(epochs.switchTo(plan('d')).number()).isEqualTo(4);
    assertThat(epochs.current().number()).isEqualTo(4);
    vts.advanceTimeBy(Duration.ofMillis(100));
    admission.drain();
    vts.advanceTimeBy(Duration.ofSeconds(20));

    assertThat(report.get()).isNotNull();
    assertThat(report.get().completed()).isEqualTo(report.get().offered()).isEqualTo(outputs.size());
    List<Long> seqs = outputs.stream().map(o -> Long.parseLong(o.substring(2))).toList();
    assertThat(seqs).isSorted().doesNotHaveDuplicates();
    assertThat(seqs.get(seqs.size() - 1)).isEqualTo(seqs.size() - 1);
    String letters = outputs.stream().map(o -> o.substring(0, 1)).reduce("", String::concat);
    assertThat(letters).matches("a+b+c+d+");
    assertThat(ranOn('x')).isZero();
    // Each old epoch retires once, right after its last output; the empty one with them; d is current.
    List<String> retirements = events.stream().filter(e -> e.startsWith("retired:")).toList();
    assertThat(retirements).containsExactly("retired:0", "retired:1", "retired:2", "retired:3");
    assertThat(events.indexOf("retired:0")).isEqualTo(lastIndexOf(events, 'a') + 1);
    assertThat(events.indexOf("retired:1")).isEqualTo(lastIndexOf(events, 'b') + 1);
    assertThat(events.indexOf("retired:2")).isEqualTo(events.indexOf("retired:1") + 1);
    assertThat(events.indexOf("retired:3")).isEqualTo(lastIndexOf(events, 'c') + 1);
  }

  private static int lastIndexOf(List<String> events, char letter) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i).charAt(0) == letter && events.get(i).charAt(1) == ':') {
        return i;
      }
    }
    return -1;
  }

  @Test
  void cancellingCancelsEveryChainInUseAndSettlesWhatWasInFlight() {
    List<Character> cancelled = new ArrayList<>();
    // The old plan is held up by a frame that takes a second, so both plans are in use at once.
    Function<Flux<Outcome<Frame>>, Flux<Outcome<String>>> stuck = f -> OrderedStage.async("stuck", List.of(0),
        (Work<Integer, Frame> w) -> Mono.delay(Duration.ofSeconds(1), vts).thenReturn("a:" + w.item().seq()), vts)
        .apply(f).doOnCancel(() -> cancelled.add('a'));
    EpochSwitch<Frame, String> epochs = EpochSwitch.routedBy(Frame::epoch, stuck);
    Admission<Frame> admission = Admission.of(ShedPolicy.DROP_NEWEST, CAPACITY, ledger, f -> 0L, vts, (f, r) -> {});
    Flux<Frame> live = Flux.interval(Duration.ofMillis(5), vts).map(i -> new Frame(i, 0));
    reactor.core.Disposable flow = LedgerSink.settle(
        tagged(live, admission, epochs).transform(epochs), ledger, o -> outputs.add("out")).subscribe();
    vts.advanceTimeBy(Duration.ofMillis(7));
    epochs.switchTo(f -> plan('b').apply(f).doOnCancel(() -> cancelled.add('b')));
    vts.advanceTimeBy(Duration.ofMillis(50));
    assertThat(ranOn('b')).as("the new plan started while the old one is busy").isPositive();
    assertThat(outputs).as("the old plan's first frame holds the order").isEmpty();

    flow.dispose();
    vts.advanceTimeBy(Duration.ofSeconds(5));

    assertThat(cancelled).containsExactlyInAnyOrder('a', 'b');
    LedgerSnapshot s = ledger.snapshot();
    assertThat(s.inFlight()).isZero();
    assertThat(s.balanced()).isTrue();
  }

  @Test
  void anUpstreamErrorAfterASwitchComesAfterEveryFrameOfBothEpochs() {
    EpochSwitch<Frame, String> epochs = EpochSwitch.routedBy(Frame::epoch, plan('a'));
    Admission<Frame> admission = admission();
    IllegalStateException boom = new IllegalStateException("file truncated");
    Flux<Frame> failing = replay(30).concatWith(Mono.error(boom));
    AtomicReference<Throwable> error = new AtomicReference<>();
    AtomicReference<LedgerSnapshot> atError = new AtomicReference<>();
    AtomicReference<List<String>> outputsAtError = new AtomicReference<>();
    LedgerSink.settle(tagged(failing, admission, epochs).transform(epochs), ledger,
            o -> outputs.add(((Outcome.Ok<String>) o).value()))
        .subscribe(r -> {}, e -> {
          error.set(e);
          atError.set(ledger.snapshot());
          outputsAtError.set(List.copyOf(outputs));
        });
    vts.advanceTimeBy(Duration.ofMillis(105));
    epochs.switchTo(plan('b'));
    vts.advanceTimeBy(Duration.ofSeconds(5));

    assertThat(error.get()).isSameAs(boom);
    assertThat(atError.get().inFlight()).isZero();
    assertThat(atError.get().completed()).isEqualTo(30);
    List<String> out = outputsAtError.get();
    assertThat(out).hasSize(30);
    assertThat(out.stream().map(o -> Long.parseLong(o.substring(2))).toList()).isSorted();
    assertThat(out.stream().map(o -> o.substring(0, 1)).reduce("", String::concat)).matches("a+b+");
  }

  @Test
  void failedFramesJoinTheRunInProgressInsteadOfOpeningOne() {
    java.util.Map<Character, Integer> runs = new java.util.TreeMap<>();
    Function<Character, Function<Flux<Outcome<Frame>>, Flux<Outcome<String>>>> counted = letter -> f -> {
      runs.merge(letter, 1, Integer::sum);
      return plan(letter).apply(f);
    };
    EpochSwitch<Frame, String> epochs = EpochSwitch.routedBy(Frame::epoch, counted.apply('a'));
    // A stage before the switch fails every third frame; failed frames carry the input frame.
    OrderedStage<Frame, Frame> gate = OrderedStage.async("gate", List.of(0), (Work<Integer, Frame> w) ->
        w.item().seq() % 3 == 0 ? Mono.error(new java.io.IOException("bad frame")) : Mono.just(w.item()), vts);
    Admission<Frame> admission = admission();
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    List<String> order = new ArrayList<>();
    LedgerSink.settle(tagged(replay(200), admission, epochs).transform(gate).transform(epochs), ledger, o -> {
          if (o instanceof Outcome.Ok<String> ok) {
            order.add(ok.value());
          } else if (o instanceof Outcome.Failed<String> f) {
            order.add("f:" + ((Frame) f.item()).seq());
          }
        })
        .subscribe(report::set);
    for (char next : new char[] {'b', 'c', 'd'}) {
      vts.advanceTimeBy(Duration.ofMillis(95));
      epochs.switchTo(counted.apply(next));
    }
    vts.advanceTimeBy(Duration.ofSeconds(20));

    assertThat(report.get()).isNotNull();
    assertThat(report.get().failed("IOException")).isEqualTo(67);
    assertThat(report.get().completed()).isEqualTo(133);
    assertThat(order.stream().map(o -> Long.parseLong(o.substring(2))).toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 200).boxed().toList());
    assertThat(runs).containsExactly(
        java.util.Map.entry('a', 1), java.util.Map.entry('b', 1), java.util.Map.entry('c', 1), java.util.Map.entry('d', 1));
  }

  @Test
  void aFrameStampedWithAnEpochTheSwitchDoesNotHaveFailsInPlace() {
    EpochSwitch<Frame, String> epochs = EpochSwitch.routedBy(f -> f.seq() == 5 ? 7 : f.epoch(), plan('a'));
    Admission<Frame> admission = admission();
    AtomicReference<LedgerSnapshot> report = new AtomicReference<>();
    List<String> order = new ArrayList<>();
    LedgerSink.settle(tagged(replay(10), admission, epochs).transform(epochs), ledger, o -> {
          if (o instanceof Outcome.Failed<String> f) {
            assertThat(f.where()).isEqualTo(EpochSwitch.WHERE);
            assertThat(f.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("epoch 7");
            order.add("failed");
          } else {
            order.add(((Outcome.Ok<String>) o).value());
          }
        })
        .subscribe(report::set);
    vts.advanceTimeBy(Duration.ofSeconds(1));

    assertThat(order).containsExactly("a:0", "a:1", "a:2", "a:3", "a:4", "failed", "a:6", "a:7", "a:8", "a:9");
    assertThat(report.get().failed("IllegalStateException")).isEqualTo(1);
  }

  @Test
  void anUpstreamErrorWhileANewRunWaitsForTheOldOneLosesNoFrame() {
    // Draining: the run of epoch 1 waits (its first frame held) until epoch 0's run has finished.
    EpochSwitch<Frame, String> epochs = EpochSwitch.draining(plan('a'));
    Admission<Frame> admission = admission();
    IllegalStateException boom = new IllegalStateException("file truncated");
    AtomicReference<Throwable> error = new AtomicReference<>();
    AtomicReference<LedgerSnapshot> atError = new AtomicReference<>();
    LedgerSink.settle(replay(12).concatWith(Mono.error(boom)).transform(admission).transform(epochs), ledger,
            o -> outputs.add(((Outcome.Ok<String>) o).value()))
        .subscribe(r -> {}, e -> {
          error.set(e);
          atError.set(ledger.snapshot());
        });
    vts.advanceTimeBy(Duration.ofMillis(5));
    epochs.switchTo(plan('b'));
    vts.advanceTimeBy(Duration.ofSeconds(5));

    assertThat(error.get()).isSameAs(boom);
    assertThat(atError.get().inFlight()).as("%s", atError.get()).isZero();
    assertThat(outputs).hasSize(12);
    assertThat(outputs.stream().map(o -> o.substring(0, 1)).reduce("", String::concat)).matches("a+b+");
  }
}
