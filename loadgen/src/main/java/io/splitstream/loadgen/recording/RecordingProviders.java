package io.splitstream.loadgen.recording;

import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.FrameSourceProvider;
import io.splitstream.pipeline.source.SourceContext;

/** The {@code sensor:} and {@code audio:} schemes. */
public final class RecordingProviders {
  private RecordingProviders() {}

  /** Scheme {@code sensor}: a {@link SensorReplaySource}. */
  public static final class Sensor implements FrameSourceProvider {
    @Override
    public String scheme() {
      return "sensor";
    }

    @Override
    public String usage() {
      return "sensor:FILE.csv[,window=W,hop=H,rate=R,columns=a,b,c,unit=s|ms]; e.g. sensor:walk.csv,window=128,hop=64";
    }

    @Override
    public FrameSource open(String argument, SourceContext context) {
      return SensorReplaySource.open(argument, context);
    }
  }

  /** Scheme {@code audio}: an {@link AudioReplaySource}. */
  public static final class Audio implements FrameSourceProvider {
    @Override
    public String scheme() {
      return "audio";
    }

    @Override
    public String usage() {
      return "audio:FILE.wav[,window=W,hop=H]; e.g. audio:speech.wav,window=16000,hop=8000";
    }

    @Override
    public FrameSource open(String argument, SourceContext context) {
      return AudioReplaySource.open(argument, context);
    }
  }
}
