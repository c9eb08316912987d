/**
 * Where frames come from. Sources plug into the pipeline through {@link
 * io.splitstream.pipeline.source.FrameSourceProvider}, registered in {@code META-INF/services}:
 *
 * <ul>
 *   <li>{@code synthetic:<arrivals>} — random frames shaped to the model input, arriving by an {@link
 *       io.splitstream.loadgen.arrival.ArrivalProcess} ({@code constant,rate=30}, {@code
 *       poisson,rate=30,seed=7}, {@code burst,rate=30,factor=10,period=20s,duty=0.5,seed=7}, gamma, MMPP,
 *       ramp, trace replay);
 *   <li>{@code sensor:<file.csv>[,window=W,hop=H,rate=R,columns=a,b,c]} and {@code
 *       audio:<file.wav>[,window=W,hop=H]} — recordings windowed into tensors ({@link
 *       io.splitstream.loadgen.recording});
 *   <li>{@code video:<file>[,fps=native|max|<n>][,loop=true|false]} — a video file decoded with
 *       FFmpeg, once (a longer duration is refused) or in a loop;
 *   <li>{@code testvideo:[seconds=20,width=640,height=480,fps=30,replay=native|max|<n>,loop=..]} — the
 *       project's generated face video clip, cached, replayed like {@code video} and looped to fill
 *       the run's duration.
 * </ul>
 *
 * <p>Every source times and stamps frames with the context's scheduler only, so tests drive them in
 * virtual time; {@link io.splitstream.loadgen.Emission} holds that logic for all of them.
 */
package io.splitstream.loadgen;
