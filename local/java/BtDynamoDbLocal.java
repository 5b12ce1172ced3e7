/*
 * Starts Amazon's DynamoDB Local bound to 127.0.0.1 only, for `npm start` and the tests.
 *
 * DynamoDB Local 3.x has no option to choose the address it listens on: its DynamoDBProxyServer
 * builds a Jetty `Server(port)`, whose connector listens on every interface. This launcher builds
 * the server exactly as DynamoDB Local's own main does (ServerRunner.createServerFromCommandLineArgs),
 * reaches the private Jetty server by reflection, sets every connector's host to 127.0.0.1 and only
 * then starts it. It runs on a plain Java 17 runtime (no compiler needed): the compiled class is in
 * the repository next to this source (rebuild with local/java/build.sh; a test checks it matches).
 *
 * Arguments: <nonce> <DynamoDB Local arguments...>
 * Prints one line `BT-DYNAMODB-READY {"nonce":"<nonce>","port":<port>,"host":"127.0.0.1"}` on
 * standard output once listening, or `BT-DYNAMODB-FAILED <reason>` on standard error and exits 1.
 * Exits when its standard input ends: the parent that started it is gone (even if it was killed).
 */
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;

public final class BtDynamoDbLocal {
  private BtDynamoDbLocal() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) fail("usage: BtDynamoDbLocal <nonce> <DynamoDB Local arguments...>");
    String nonce = args[0];
    String[] rest = new String[args.length - 1];
    System.arraycopy(args, 1, rest, 0, rest.length);

    Thread watch = new Thread(BtDynamoDbLocal::exitOnEndOfInput, "bt-parent-watch");
    watch.setDaemon(true);
    watch.start();

    Object proxy;
    try {
      proxy = software.amazon.dynamodb.services.local.main.ServerRunner.createServerFromCommandLineArgs(rest);
    } catch (Exception e) {
      fail("could not create the server: " + e);
      return;
    }
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    org.eclipse.jetty.server.Server jetty = (org.eclipse.jetty.server.Server) field.get(proxy);
    org.eclipse.jetty.server.Connector[] connectors = jetty.getConnectors();
    if (connectors.length == 0) fail("DynamoDB Local has no connector to bind");
    for (org.eclipse.jetty.server.Connector c : connectors) {
      if (!(c instanceof org.eclipse.jetty.server.ServerConnector)) fail("unexpected connector " + c.getClass().getName());
      ((org.eclipse.jetty.server.ServerConnector) c).setHost("127.0.0.1");
    }
    // DynamoDB Local's start() prints a bind failure and returns normally: check the connectors.
    ((software.amazon.dynamodb.services.local.server.DynamoDBProxyServer) proxy).start();
    int port = -1;
    for (org.eclipse.jetty.server.Connector c : connectors) {
      org.eclipse.jetty.server.ServerConnector sc = (org.eclipse.jetty.server.ServerConnector) c;
      Object transport = sc.getTransport();
      boolean loopback = transport instanceof ServerSocketChannel
          && ((InetSocketAddress) ((ServerSocketChannel) transport).getLocalAddress()).getAddress().isLoopbackAddress();
      if (!sc.isOpen() || sc.getLocalPort() <= 0 || !loopback) {
        fail("DynamoDB Local could not listen on 127.0.0.1:" + sc.getPort() + " (port in use?)");
      }
      port = sc.getLocalPort();
    }
    System.out.println("BT-DYNAMODB-READY {\"nonce\":\"" + nonce + "\",\"port\":" + port + ",\"host\":\"127.0.0.1\"}");
    System.out.flush();
  }

  private static void exitOnEndOfInput() {
    try {
      byte[] buffer = new byte[256];
      while (System.in.read(buffer) >= 0) {
        // the parent writes nothing; it only holds the pipe open
      }
    } catch (Exception ignored) {
      // a broken pipe means the same: the parent is gone
    }
    Runtime.getRuntime().halt(0);
  }

  private static void fail(String reason) {
    System.err.println("BT-DYNAMODB-FAILED " + reason);
    System.err.flush();
    Runtime.getRuntime().halt(1);
  }
}
