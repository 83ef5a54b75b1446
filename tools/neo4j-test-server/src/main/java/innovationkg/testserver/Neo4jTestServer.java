package innovationkg.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * An in-process Neo4j 5 (Community, embedded) for the live tests: a throw-away store in a
 * temporary directory, Bolt on a free port of 127.0.0.1, auth enabled with the user {@code neo4j}
 * and a fixed test password ({@code NEO4J_TEST_PASSWORD}, default {@code kg-test-password}).
 *
 * <p>Prints exactly one line on stdout when ready: {@code bolt://127.0.0.1:PORT}. Stops cleanly
 * (database shut down, store deleted) on SIGTERM/SIGINT and, unless {@code --no-stdin} is given,
 * when its standard input reaches end of file.
 *
 * <p>With {@code --home DIR} it serves the DBMS home {@code DIR} instead of a temporary one, e.g.
 * one that {@code neo4j-admin database import full} (Neo4j's {@code org.neo4j.cli.AdminTool}) has
 * written {@code data/databases/neo4j} into; that directory is left in place on stop.
 */
public final class Neo4jTestServer {
    private static final String DEFAULT_PASSWORD = "kg-test-password";

    public static void main(String[] args) throws Exception {
        boolean watchStdin = true;
        Path givenHome = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--no-stdin")) {
                watchStdin = false;
            } else if (args[i].equals("--home") && i + 1 < args.length) {
                givenHome = Path.of(args[++i]).toAbsolutePath();
            } else {
                System.err.println("usage: neo4j-test-server [--no-stdin] [--home DIR]");
                System.exit(2);
            }
        }
        String password = System.getenv().getOrDefault("NEO4J_TEST_PASSWORD", DEFAULT_PASSWORD);
        // the hook is there before anything is created, so that a stop during start-up also
        // removes the store
        AtomicReference<DatabaseManagementService> running = new AtomicReference<>();
        AtomicReference<Path> store = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                DatabaseManagementService service = running.get();
                if (service != null) {
                    service.shutdown();
                }
            } finally {
                Path home = store.get();
                if (home != null) {
                    deleteTree(home);
                }
            }
        }, "neo4j-test-server-shutdown"));

        DatabaseManagementService dbms = null;
        int port = -1;
        Exception last = null;
        for (int attempt = 0; attempt < 5 && dbms == null; attempt++) {
            port = freePort();
            Path home = givenHome != null ? givenHome : Files.createTempDirectory("kg-neo4j-test-");
            if (givenHome == null) {
                store.set(home);
            }
            try {
                dbms = new DatabaseManagementServiceBuilder(home)
                        .setConfig(BoltConnector.enabled, true)
                        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                        .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                        .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                        .setConfig(HttpConnector.enabled, false)
                        .setConfig(HttpsConnector.enabled, false)
                        .setConfig(GraphDatabaseSettings.auth_enabled, true)
                        .setConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024)
                        // a throw-away server: stop Bolt at once (Netty's default quiet period is seconds)
                        .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                        .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(2))
                        .build();
                running.set(dbms);
            } catch (RuntimeException e) {   // most likely the port was taken meanwhile
                last = e;
                if (givenHome == null) {
                    store.set(null);
                    deleteTree(home);
                }
            }
        }
        if (dbms == null) {
            System.err.println("error: Neo4j did not start: " + last);
            System.exit(1);
        }
        final DatabaseManagementService service = dbms;

        service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");

        System.out.println("bolt://127.0.0.1:" + port);
        System.out.flush();

        if (watchStdin) {
            InputStream in = System.in;
            byte[] buffer = new byte[256];
            try {
                while (in.read(buffer) != -1) {
                    // ignore input; end of file means stop
                }
            } catch (IOException ignored) {
                // a closed stdin also means stop
            }
            System.exit(0);
        } else {
            Thread.currentThread().join();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is a temporary directory
        }
    }
}
