package io.virtflow.schema;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Encodes and decodes one record type with Avro single-object encoding
 * ({@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the writer schema, then the binary body).
 *
 * <p>A decoder resolves any writer schema it has been told about ({@link #withWriterSchema}) to the
 * current reader schema, so consumers keep reading records written by older producers.
 * Instances are thread-safe.
 *
 * <p>Fast path (measured by {@code virtflow bench codec}): a record is written straight into a reused
 * per-thread buffer after the precomputed 10-byte header, and a record whose header names the current schema
 * is read with a reused per-thread decoder, with no copy and no lookup; any other writer schema goes
 * through Avro's {@link BinaryMessageDecoder}, which resolves it.
 */
public final class AvroCodec<T extends SpecificRecord> {
  static {
    // Avro 1.12 loads generated classes by name only from trusted packages; the contract's own package
    // is trusted in addition to whatever the process already trusts.
    ClassSecurityValidator.ClassSecurityPredicate before = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(before,
        c -> c.getName().startsWith(AvroCodec.class.getPackageName() + ".")));
  }

  private final Class<T> type;
  private final Schema schema;
  private final BinaryMessageDecoder<T> decoder;
  /** {@code C3 01} and the schema's fingerprint, little-endian: the start of every record this codec writes. */
  private final byte[] header;
  private final ThreadLocal<Local<T>> local;

  private AvroCodec(Class<T> type, Schema schema) {
    this.type = type;
    this.schema = schema;
    SpecificData model = SpecificData.getForSchema(schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema);
    this.header = ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN).put((byte) 0xC3).put((byte) 0x01)
        .putLong(SchemaNormalization.parsingFingerprint64(schema)).array();
    this.local = ThreadLocal.withInitial(() -> new Local<>(schema, model));
  }

  /** One thread's reusable writer, reader, encoder, decoder and buffer (Avro's readers keep per-use state). */
  private static final class Local<T> {
    final SpecificDatumWriter<T> writer;
    final SpecificDatumReader<T> reader;
    final Out out = new Out();
    BinaryEncoder binaryEncoder;
    BinaryDecoder binaryDecoder;

    Local(Schema schema, SpecificData model) {
      // A model of its own with Avro's FastReaderBuilder (read plans built once per schema pair instead of
      // walking a ResolvingDecoder per field); the generated class's shared model is left as it is.
      SpecificData fast = new SpecificData(model.getClassLoader());
      model.getConversions().forEach(fast::addLogicalTypeConversion);
      fast.setFastReaderEnabled(true);
      writer = new SpecificDatumWriter<>(schema, model);
      reader = new SpecificDatumReader<>(schema, schema, fast);
    }
  }

  /** A growable byte buffer without {@code ByteArrayOutputStream}'s locking. */
  private static final class Out extends java.io.OutputStream {
    byte[] buf = new byte[256];
    int count;

    @Override
    public void write(int b) {
      ensure(1);
      buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, count, len);
      count += len;
    }

    private void ensure(int more) {
      if (count + more > buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
      }
    }
  }

  /**
   * Makes sure the contract's package is trusted before any generated class is used. Generated builders
   * load classes by name too, so a process calls this first thing (the services' runners do).
   */
  public static void trustContract() {
    // the static initializer above does the work
  }

  /** A codec for a generated record class. */
  public static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type) {
    Objects.requireNonNull(type, "type");
    Schema schema = SpecificData.get().getSchema(type);
    return new AvroCodec<>(type, schema);
  }

  /** Teaches the decoder an older writer schema of this type, to be resolved to the current one. */
  public AvroCodec<T> withWriterSchema(Schema writerSchema) {
    decoder.addSchema(writerSchema);
    return this;
  }

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return schema;
  }

  public byte[] encode(T value) {
    Local<T> l = local.get();
    try {
      l.out.count = 0;
      l.out.write(header, 0, header.length);
      l.binaryEncoder = EncoderFactory.get().directBinaryEncoder(l.out, l.binaryEncoder);
      l.writer.write(value, l.binaryEncoder);
      return java.util.Arrays.copyOf(l.out.buf, l.out.count);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + type.getSimpleName(), e);
    }
  }

  /**
   * Decodes one record.
   *
   * @throws UndecodableException for anything that is not a single-object-encoded record of a known
   *     writer schema of this type: the message says why, for the dead-letter topic's headers.
   */
  public T decode(byte[] bytes) {
    if (bytes == null) {
      throw new UndecodableException("null value where a " + type.getSimpleName() + " was expected");
    }
    try {
      if (hasCurrentHeader(bytes)) {
        Local<T> l = local.get();
        l.binaryDecoder = DecoderFactory.get().binaryDecoder(bytes, header.length, bytes.length - header.length,
            l.binaryDecoder);
        return l.reader.read(null, l.binaryDecoder);
      }
      return decoder.decode(bytes);
    } catch (BadHeaderException e) {
      throw new UndecodableException("not an Avro single-object encoded record: " + e.getMessage(), e);
    } catch (MissingSchemaException e) {
      throw new UndecodableException("unknown writer schema for " + type.getSimpleName() + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new UndecodableException("cannot decode " + type.getSimpleName() + ": " + e, e);
    }
  }

  private boolean hasCurrentHeader(byte[] bytes) {
    if (bytes.length < header.length) {
      return false;
    }
    for (int i = 0; i < header.length; i++) {
      if (bytes[i] != header[i]) {
        return false;
      }
    }
    return true;
  }

  /** A record that cannot be decoded; its message names the reason. */
  public static final class UndecodableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UndecodableException(String message) {
      super(message);
    }

    public UndecodableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
