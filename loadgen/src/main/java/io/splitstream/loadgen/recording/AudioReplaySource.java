package io.splitstream.loadgen.recording;

import io.splitstream.devices.SplitstreamException;
import io.splitstream.devices.tensor.Tensor;
import io.splitstream.devices.tensor.TensorMap;
import io.splitstream.loadgen.Emission;
import io.splitstream.loadgen.FrameCursor;
import io.splitstream.loadgen.Options;
import io.splitstream.pipeline.frame.Frame;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.SourceContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import reactor.core.publisher.Flux;

/**
 * A WAV recording (PCM 16-bit, any sample rate, mono or several channels downmixed to their mean)
 * replayed as windows: {@code FLOAT32[1, window]} tensors of samples scaled to [-1, 1), one every
 * {@code hop} samples, window {@code k} due when its last sample has been played ({@code (k * hop)
 * / sampleRate} seconds after the first window). The file is read with the JDK's Java Sound.
 * Not live; unpaced, as fast as the pipeline takes them; completes after the last whole window.
 *
 * <p>Spec: {@code audio:FILE.wav[,window=W,hop=H]}; the window defaults to the model input's
 * dimension 1, the hop to half the window.
 */
public final class AudioReplaySource implements FrameSource {
  private final Path file;
  private final SourceContext context;
  private final Windowing windowing;
  private final float[] samples;
  private final float sampleRate;
  private final int channels;
  private final boolean loop;

  private AudioReplaySource(Path file, SourceContext context, Windowing windowing, float[] samples, float sampleRate,
      int channels, boolean loop) {
    this.loop = loop;
    this.file = file;
    this.context = context;
    this.windowing = windowing;
    this.samples = samples;
    this.sampleRate = sampleRate;
    this.channels = channels;
  }

  static AudioReplaySource open(String argument, SourceContext context) {
    Options o = Options.parse("audio source", RecordingArguments.normalise(argument), List.of("file", "window", "hop", "loop"));
    Path file = Path.of(o.required("file"));
    if (!Files.isRegularFile(file)) {
      throw new SplitstreamException("audio file " + file + " does not exist: give the path of a .wav file");
    }
    checkRiff(file);
    AudioFormat f;
    byte[] pcm;
    try (InputStream raw = Files.newInputStream(file);
        AudioInputStream in = AudioSystem.getAudioInputStream(new java.io.BufferedInputStream(raw))) {
      f = in.getFormat();
      checkFormat(file, f);
      pcm = in.readAllBytes();
    } catch (UnsupportedAudioFileException e) {
      throw new SplitstreamException("audio file " + file + ": the header is not a WAV header Java Sound can read ("
          + (e.getMessage() == null ? "unsupported format" : e.getMessage())
          + "): give a RIFF/WAVE file of 16-bit PCM", e);
    } catch (IOException e) {
      throw new SplitstreamException("audio file " + file + " cannot be read: " + e.getMessage(), e);
    }
    int ch = f.getChannels();
    int frames = pcm.length / (2 * ch);
    if (frames * 2 * ch != pcm.length) {
      throw new SplitstreamException("audio file " + file + ": the data chunk holds " + pcm.length
          + " bytes, not a whole number of " + ch + "-channel 16-bit frames: the file is truncated or its header wrong");
    }
    ByteBuffer b = ByteBuffer.wrap(pcm).order(f.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    float[] mono = new float[frames];
    for (int i = 0; i < frames; i++) {
      float sum = 0;
      for (int c = 0; c < ch; c++) {
        sum += b.getShort() / 32768f;
      }
      mono[i] = sum / ch;
    }
    Windowing w = Windowing.of(o, context.input(), 16000);
    Windowing.check("audio", new long[] {1, w.window()}, context.input(),
        "give window= to match it, or a model whose input is FLOAT32[1, W] (models generate --family audio1d)");
    if (w.count(frames) == 0) {
      throw new SplitstreamException("audio file " + file + " has " + frames + " samples, fewer than one window of "
          + w.window() + ": give a longer recording or a smaller window=");
    }
    AudioReplaySource source = new AudioReplaySource(file, context, w, mono, f.getSampleRate(), ch, Windowing.loop(o));
    Windowing.checkLength("audio " + file, context, source.loop, source.windows() * (double) w.hop() / f.getSampleRate());
    return source;
  }

  /** The RIFF/WAVE magic, so a bad header is named by its field before Java Sound's generic refusal. */
  private static void checkRiff(Path file) {
    byte[] head = new byte[12];
    int read;
    try (InputStream in = Files.newInputStream(file)) {
      read = in.readNBytes(head, 0, 12);
    } catch (IOException e) {
      throw new SplitstreamException("audio file " + file + " cannot be read: " + e.getMessage(), e);
    }
    String id = new String(head, 0, Math.min(4, read), java.nio.charset.StandardCharsets.ISO_8859_1);
    if (read < 12) {
      throw new SplitstreamException("audio file " + file + ": " + read + " bytes, shorter than a WAV header's first 12:"
          + " give a RIFF/WAVE file of 16-bit PCM");
    }
    String format = new String(head, 8, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
    if (!id.equals("RIFF")) {
      throw new SplitstreamException("audio file " + file + ": header field 'ChunkID' (bytes 0-3) is '" + printable(id)
          + "', not 'RIFF': give a RIFF/WAVE file of 16-bit PCM");
    }
    if (!format.equals("WAVE")) {
      throw new SplitstreamException("audio file " + file + ": header field 'Format' (bytes 8-11) is '" + printable(format)
          + "', not 'WAVE': give a RIFF/WAVE file of 16-bit PCM");
    }
  }

  private static String printable(String s) {
    return s.chars().mapToObj(c -> c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c))
        .collect(java.util.stream.Collectors.joining());
  }

  private static void checkFormat(Path file, AudioFormat f) {
    if (f.getSampleSizeInBits() != 16) {
      throw new SplitstreamException("audio file " + file + ": header field 'bits per sample' is "
          + f.getSampleSizeInBits() + ": give 16-bit PCM (e.g. ffmpeg -i in -acodec pcm_s16le out.wav)");
    }
    if (!f.getEncoding().equals(AudioFormat.Encoding.PCM_SIGNED)) {
      throw new SplitstreamException("audio file " + file + ": header field 'encoding' is " + f.getEncoding()
          + ": give 16-bit signed PCM (e.g. ffmpeg -i in -acodec pcm_s16le out.wav)");
    }
    if (f.getChannels() < 1 || !(f.getSampleRate() > 0)) {
      throw new SplitstreamException("audio file " + file + ": header fields 'channels' " + f.getChannels()
          + " and 'sample rate' " + f.getSampleRate() + " must be positive: the header is damaged");
    }
  }

  public long windows() {
    return windowing.count(samples.length);
  }

  @Override
  public Flux<Frame> frames() {
    return Emission.of(context, context.paced(), Cursor::new);
  }

  @Override
  public String description() {
    return String.format(Locale.ROOT, "audio %s: %d samples at %.0f Hz (%s), windows FLOAT32[1, %d] every %d samples (%d windows), %s",
        file, samples.length, sampleRate, channels == 1 ? "mono" : channels + " channels downmixed", windowing.window(),
        windowing.hop(), windows(), context.paced() ? "at its own sample rate" : "as fast as the pipeline takes them");
  }

  @Override
  public boolean live() {
    return false;
  }

  @Override
  public OptionalDouble nominalRate() {
    return context.paced() ? OptionalDouble.of(sampleRate / windowing.hop()) : OptionalDouble.empty();
  }

  private final class Cursor implements FrameCursor {
    private long k = -1;

    @Override
    public OptionalLong advance() {
      if (++k >= windows() && !loop) {
        return OptionalLong.empty();
      }
      // a window every hop samples, the passes of a looped replay following one another
      return OptionalLong.of(Math.round(k * windowing.hop() / (double) sampleRate * 1e9));
    }

    @Override
    public TensorMap tensors() {
      int w = windowing.window();
      int start = (int) (k % windows() * windowing.hop());
      return TensorMap.of(context.input().name(),
          Tensor.ofFloats(new long[] {1, w}, java.util.Arrays.copyOfRange(samples, start, start + w)));
    }

    @Override
    public void close() {}
  }
}
