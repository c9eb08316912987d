package io.splitstream.loadgen.cli;

import io.splitstream.loadgen.arrival.ArrivalsBench;
import io.splitstream.pipeline.cli.SubcommandProvider;

/** Adds {@code bench arrivals} to the CLI. */
public final class BenchArrivalsProvider implements SubcommandProvider {
  @Override
  public String parent() {
    return "bench";
  }

  @Override
  public Object command() {
    return new ArrivalsBench();
  }
}
