package io.virtflow.devstack.cli;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/** Where the gateway is, the token that opens it, and whether to print the API's JSON: every verb has them. */
public final class ConnectionOptions {
  @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:VIRTFLOW_URL:-http://127.0.0.1:8080}",
      description = "The gateway (env VIRTFLOW_URL; default ${DEFAULT-VALUE}).")
  String url;

  @Option(names = "--token-file", paramLabel = "FILE",
      defaultValue = "${env:VIRTFLOW_TOKEN_FILE:-./.virtflow/admin.token}",
      description = "File holding the bearer token (env VIRTFLOW_TOKEN_FILE; default ${DEFAULT-VALUE}).")
  Path tokenFile;

  @Option(names = "--json", description = "Print the API's JSON instead of text (for scripts).")
  boolean json;
}
