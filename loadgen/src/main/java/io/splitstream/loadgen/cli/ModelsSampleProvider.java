package io.splitstream.loadgen.cli;

import io.splitstream.loadgen.recording.SampleRecordings;
import io.splitstream.pipeline.cli.SubcommandProvider;

/** Adds {@code models sample} (recordings the project writes itself) to the CLI. */
public final class ModelsSampleProvider implements SubcommandProvider {
  @Override
  public String parent() {
    return "models";
  }

  @Override
  public Object command() {
    return new SampleRecordings();
  }
}
