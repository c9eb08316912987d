package io.splitstream.loadgen.synthetic;

import io.splitstream.loadgen.arrival.ArrivalProcess;
import io.splitstream.pipeline.source.FrameSource;
import io.splitstream.pipeline.source.FrameSourceProvider;
import io.splitstream.pipeline.source.SourceContext;

/**
 * Scheme {@code synthetic}: the argument is an {@link ArrivalProcess} spec, e.g. {@code
 * synthetic:poisson,rate=30,seed=7}; an empty argument means {@code constant,rate=30}. Specs without a
 * seed take the run's seed.
 */
public final class SyntheticSourceProvider implements FrameSourceProvider {
  static final String DEFAULT_SPEC = "constant,rate=30";

  @Override
  public String scheme() {
    return "synthetic";
  }

  @Override
  public String usage() {
    return "synthetic:<arrivals> with <arrivals> one of constant,rate=R | poisson,rate=R[,seed=S] | "
        + "burst,rate=R,factor=F,period=20s,duty=0.5[,seed=S] | gamma,rate=R,shape=K[,seed=S] | "
        + "mmpp,rates=R1/R2[/..],dwell=D1/D2[/..][,seed=S] | ramp,from=R1,to=R2,over=60s[,arrivals=constant|poisson] | "
        + "trace,file=F.csv[,values=times|gaps,unit=s|ms|us|ns,end=stop|loop]; e.g. synthetic:poisson,rate=30,seed=7";
  }

  @Override
  public FrameSource open(String argument, SourceContext context) {
    String spec = argument.isBlank() ? DEFAULT_SPEC : argument;
    return new SyntheticSource(ArrivalProcess.parse(spec, context.seed()), context);
  }
}
