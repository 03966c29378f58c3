package io.virtflow.devstack.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder in front of the gateway whose connections a test can cut at once: a dropped link as a
 * client sees it (the answer ends mid-stream), while the gateway itself stays up.
 */
final class CuttableProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicLong bytesDown = new AtomicLong();

  CuttableProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  /** Bytes the gateway has sent through the proxy so far. */
  long bytesDown() {
    return bytesDown.get();
  }

  /** Closes every connection now open, both sides. */
  void cutAll() {
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // Already gone.
      }
    }
    open.clear();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        accepted.incrementAndGet();
        open.add(client);
        open.add(upstream);
        pump(client, upstream, null);
        pump(upstream, client, bytesDown);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, AtomicLong counter) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
          if (counter != null) {
            counter.addAndGet(n);
          }
        }
      } catch (IOException e) {
        // The other side closed, or the test cut the link.
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException e) {
          // Closing after a cut.
        }
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    cutAll();
  }
}
