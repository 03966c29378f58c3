package io.virtflow.gateway.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The token signing key pair (EC P-256, for ES256) as PEM files: {@code jwt-private.pem} (PKCS#8, mode
 * 600) and {@code jwt-public.pem} (SPKI). Generated with the JDK; nothing here talks to the network.
 */
public final class KeyFiles {
  public static final String PRIVATE_FILE = "jwt-private.pem";
  public static final String PUBLIC_FILE = "jwt-public.pem";
  private static final String PUBLIC_LABEL = "PUBLIC KEY";
  private static final String PRIVATE_LABEL = "PRIVATE KEY";

  private KeyFiles() {
  }

  /** A new EC P-256 key pair. */
  public static KeyPair generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot generate EC P-256 keys: " + e.getMessage(), e);
    }
  }

  /** Whether {@code dir} holds both key files. */
  public static boolean exist(Path dir) {
    return Files.isRegularFile(dir.resolve(PRIVATE_FILE)) && Files.isRegularFile(dir.resolve(PUBLIC_FILE));
  }

  /** The key pair in {@code dir}, generated and written there first if it has none. */
  public static KeyPair loadOrCreate(Path dir) throws IOException {
    if (exist(dir)) {
      return new KeyPair(readPublicKey(Files.readString(dir.resolve(PUBLIC_FILE))),
          readPrivateKey(Files.readString(dir.resolve(PRIVATE_FILE))));
    }
    KeyPair pair = generate();
    Files.createDirectories(dir);
    writeSecret(dir.resolve(PRIVATE_FILE), pem(PRIVATE_LABEL, pair.getPrivate().getEncoded()));
    Path pub = dir.resolve(PUBLIC_FILE);
    Path tmp = Files.createTempFile(dir, PUBLIC_FILE, ".tmp");
    Files.writeString(tmp, pem(PUBLIC_LABEL, pair.getPublic().getEncoded()));
    Files.move(tmp, pub, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return pair;
  }

  /** Writes {@code text} to a file readable by its owner only (mode 600 where POSIX permissions exist). */
  public static void writeSecret(Path file, String text) throws IOException {
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
    try {
      setOwnerOnly(tmp);
      Files.writeString(tmp, text);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void setOwnerOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the platform's default permissions apply.
    }
  }

  public static String publicPem(PublicKey key) {
    return pem(PUBLIC_LABEL, key.getEncoded());
  }

  public static String privatePem(PrivateKey key) {
    return pem(PRIVATE_LABEL, key.getEncoded());
  }

  /** An EC public key from PEM ({@code -----BEGIN PUBLIC KEY-----}, SPKI); IllegalArgumentException otherwise. */
  public static ECPublicKey readPublicKey(String pem) {
    try {
      PublicKey k = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der(pem, PUBLIC_LABEL)));
      return (ECPublicKey) k;
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("not an EC public key (PEM, SPKI): " + e.getMessage(), e);
    }
  }

  /** An EC private key from PEM ({@code -----BEGIN PRIVATE KEY-----}, PKCS#8). */
  public static PrivateKey readPrivateKey(String pem) {
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der(pem, PRIVATE_LABEL)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an EC private key (PEM, PKCS#8): " + e.getMessage(), e);
    }
  }

  static String pem(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
  }

  private static byte[] der(String pem, String label) {
    if (pem == null) {
      throw new IllegalArgumentException("no PEM text");
    }
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("expected a PEM block '" + begin + "'");
    }
    String body = pem.substring(from + begin.length(), to).replaceAll("\\s", "");
    try {
      return Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the PEM block is not base64: " + e.getMessage(), e);
    }
  }
}
