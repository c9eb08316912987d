package io.splitstream.pipeline.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a TCP byte stream into messages, each a uint32 big-endian length and that many bytes.
 * A message over the limit is not buffered: its bytes are skipped as they arrive and one {@link
 * Oversize} stands in its place, so the connection goes on with the next message (Netty's own
 * {@code LengthFieldBasedFrameDecoder} raises an exception instead, which ends the connection).
 */
final class LengthPrefixDecoder extends ByteToMessageDecoder {
  /** A message that was skipped for its size. */
  record Oversize(long length) {}

  private final int maxBytes;
  private long skipping;

  LengthPrefixDecoder(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (true) {
      if (skipping > 0) {
        int n = (int) Math.min(skipping, in.readableBytes());
        in.skipBytes(n);
        skipping -= n;
        if (skipping > 0) {
          return;
        }
      }
      if (in.readableBytes() < 4) {
        return;
      }
      long length = in.getUnsignedInt(in.readerIndex());
      if (length > maxBytes) {
        in.skipBytes(4);
        skipping = length;
        out.add(new Oversize(length));
        continue;
      }
      if (in.readableBytes() < 4 + length) {
        return;
      }
      in.skipBytes(4);
      out.add(in.readRetainedSlice((int) length));
    }
  }
}
