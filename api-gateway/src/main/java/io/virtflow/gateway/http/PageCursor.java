package io.virtflow.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import io.virtflow.gateway.domain.DomainDirectory;
import io.virtflow.gateway.domain.DomainRef;

/**
 * The {@code next} / {@code after} of a domain list page: the last listed domain's name and id, opaque to
 * clients (base64url). A cursor stays valid when that domain goes away meanwhile: the next page starts at
 * whatever sorts after it.
 */
final class PageCursor {
  private static final char SEPARATOR = '\n';
  private static final int MAX_LENGTH = 1_024;

  private PageCursor() {
  }

  static String encode(DomainDirectory.ListKey key) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((key.name() + SEPARATOR + key.domainId()).getBytes(StandardCharsets.UTF_8));
  }

  static Optional<DomainDirectory.ListKey> decode(String cursor) {
    if (cursor.isEmpty() || cursor.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int cut = text.lastIndexOf(SEPARATOR);
    if (cut <= 0 || !DomainRef.isUuid(text.substring(cut + 1))) {
      return Optional.empty();
    }
    return Optional.of(new DomainDirectory.ListKey(text.substring(0, cut), text.substring(cut + 1)));
  }
}
