package io.virtflow.schema;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Encodes and decodes one record type with Avro single-object encoding
 * ({@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the writer schema, then the binary body).
 *
 * <p>A decoder resolves any writer schema it has been told about ({@link #withWriterSchema}) to the
 * current reader schema, so consumers keep reading records written by older producers.
 * Instances are thread-safe.
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
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  private AvroCodec(Class<T> type, Schema schema) {
    this.type = type;
    this.schema = schema;
    SpecificData model = SpecificData.getForSchema(schema);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema);
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
    try {
      ByteBuffer buffer = encoder.encode(value);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
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
      return decoder.decode(bytes);
    } catch (BadHeaderException e) {
      throw new UndecodableException("not an Avro single-object encoded record: " + e.getMessage(), e);
    } catch (MissingSchemaException e) {
      throw new UndecodableException("unknown writer schema for " + type.getSimpleName() + ": " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new UndecodableException("cannot decode " + type.getSimpleName() + ": " + e, e);
    }
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
