// Starts DynamoDB Local listening on one address (loopback) instead of all interfaces. DynamoDB Local has no option
// for its listen address ("DynamoDB Local usage notes" list -port, -dbPath, -sharedDb, -cors, … and no host), and its
// Jetty server binds 0.0.0.0; so this launcher builds the server exactly as DynamoDB Local's own main() does, from
// the same command-line arguments, and sets the host of its Jetty connector before starting it.
// Run as a single-file source program: java -cp DynamoDBLocal.jar DynamoDbLocalLoopback.java <DynamoDB Local args>.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class DynamoDbLocalLoopback {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      if (!(connector instanceof ServerConnector)) throw new IllegalStateException("unexpected connector " + connector);
      ((ServerConnector) connector).setHost(host);
    }
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host);
  }
}
