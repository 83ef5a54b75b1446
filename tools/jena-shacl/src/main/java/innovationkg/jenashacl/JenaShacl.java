package innovationkg.jenashacl;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.NodeFactory;
import org.apache.jena.graph.Triple;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.irix.IRIxResolver;
import org.apache.jena.riot.RIOT;
import org.apache.jena.riot.lang.LabelToNode;
import org.apache.jena.riot.lang.LangNTriples;
import org.apache.jena.riot.system.ErrorHandlerFactory;
import org.apache.jena.riot.system.ParserProfileStd;
import org.apache.jena.riot.system.PrefixMapFactory;
import org.apache.jena.riot.system.RiotLib;
import org.apache.jena.riot.tokens.TokenizerText;
import org.apache.jena.riot.system.StreamRDFBase;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.shacl.engine.ValidationContext;
import org.apache.jena.shacl.parser.Shape;
import org.apache.jena.shacl.validation.ReportEntry;
import org.apache.jena.shacl.validation.VLib;
import org.apache.jena.shacl.vocabulary.SHACL;
import org.apache.jena.sparql.graph.GraphFactory;

/**
 * Validates RDF data against a SHACL shapes graph with Apache Jena SHACL and writes the
 * validation report graph as N-Triples on stdout (whether the data conforms or not).
 *
 * <pre>java -jar jena-shacl.jar [--threads N] SHAPES.ttl DATA [DATA ...]</pre>
 *
 * Every DATA file (N-Triples for *.nt, Turtle otherwise; "-" is N-Triples on stdin) goes into
 * one data graph. Besides the report, the output holds what a reader needs to interpret a result
 * without the shapes and data graphs (kg.shacl_jena reads it): for every sh:sourceShape, the
 * shapes-graph triples {@code ?holder sh:property ?source} (a blank property shape is named by
 * the node shape holding it) and every {@code ikgsh:draftSeverity} of the source and its holders;
 * for every IRI focus node, its {@code ikg:status} and {@code ikg:proposedBy} triples (drafts).
 * Validation is Jena's plain validation (every target shape on each of its focus nodes, as
 * {@code ShaclValidator.validate} does) spread over N threads (default: the processors) in
 * chunks of focus nodes, each chunk with its own validation context; the chunks' results are
 * joined in chunk order, so the report does not depend on the threads. N-Triples of at least 4 MB
 * (system property jenashacl.splitBytes) are parsed in N stretches of whole lines at once.
 * Exit status 0 with a report, 2 with one line on stderr for bad arguments or input.
 */
public final class JenaShacl {

    private static final String IKG = "https://w3id.org/innovation-kg/ontology#";
    private static final Node DRAFT_SEVERITY =
            NodeFactory.createURI("https://w3id.org/innovation-kg/shapes#draftSeverity");
    private static final Node STATUS = NodeFactory.createURI(IKG + "status");
    private static final Node PROPOSED_BY = NodeFactory.createURI(IKG + "proposedBy");

    /** Focus nodes per unit of work. */
    private static final int CHUNK = 2000;

    private JenaShacl() {
    }

    public static void main(String[] args) {
        int threads = Runtime.getRuntime().availableProcessors();
        int first = 0;
        if (args.length > 1 && args[0].equals("--threads")) {
            try {
                threads = Integer.parseInt(args[1]);
            } catch (NumberFormatException e) {
                threads = 0;
            }
            if (threads < 1) {
                fail("--threads needs a positive number, not " + args[1]);
            }
            first = 2;
        }
        if (args.length - first < 2) {
            fail("usage: java -jar jena-shacl.jar [--threads N] SHAPES.ttl DATA [DATA ...]");
        }
        try {
            Graph shapesGraph = GraphFactory.createDefaultGraph();
            RDFParser.source(args[first]).lang(Lang.TURTLE).parse(shapesGraph);
            Graph data = GraphFactory.createDefaultGraph();
            for (int i = first + 1; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("-")) {
                    parseNTriples(ByteBuffer.wrap(System.in.readAllBytes()), data, threads);
                } else if (arg.endsWith(".nt")) {
                    try (FileChannel file = FileChannel.open(Path.of(arg))) {
                        parseNTriples(file.map(FileChannel.MapMode.READ_ONLY, 0, file.size()),
                                data, threads);
                    }
                } else {
                    RDFParser.source(arg).lang(Lang.TURTLE).parse(data);
                }
            }
            lap("parsed " + data.size() + " triples");
            Shapes shapes = Shapes.parse(shapesGraph);
            ValidationReport report = validate(shapes, data, threads);
            lap("validated");
            Graph out = report.getGraph();
            for (Triple t : context(report.getGraph(), shapesGraph, data)) {
                out.add(t);
            }
            OutputStream stdout = new BufferedOutputStream(System.out, 1 << 16);
            RDFDataMgr.write(stdout, out, Lang.NTRIPLES);
            stdout.flush();
            lap("written");
        } catch (Exception | StackOverflowError e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            fail(message.replace('\n', ' '));
        }
    }

    /**
     * Parses N-Triples into {@code data}, in {@code threads} stretches of whole lines parsed at
     * once (a line is a triple; blank node labels are kept, so a label names one node in every
     * stretch) and added in file order. The store's own output: no IRI checks, nothing to
     * resolve (N-Triples IRIs are absolute).
     */
    private static void parseNTriples(ByteBuffer bytes, Graph data, int threads)
            throws Exception {
        int size = bytes.limit();
        int parts = size < Integer.getInteger("jenashacl.splitBytes", 4 << 20) ? 1 : threads;
        List<Callable<List<Triple>>> work = new ArrayList<>();
        int start = 0;
        for (int part = 1; part <= parts && start < size; part++) {
            int end = part == parts ? size : (int) ((long) size * part / parts);
            while (end < size && bytes.get(end - 1) != '\n') {
                end++;
            }
            ByteBuffer stretch = bytes.slice(start, end - start);
            work.add(() -> {
                List<Triple> triples = new ArrayList<>();
                new LangNTriples(TokenizerText.create().source(new BufferStream(stretch)).build(),
                        new TrustedIRIs(), new StreamRDFBase() {
                            @Override
                            public void triple(Triple triple) {
                                triples.add(triple);
                            }
                        }).parse();
                return triples;
            });
            start = end;
        }
        for (List<Triple> triples : inParallel(work, threads)) {
            triples.forEach(data::add);
        }
    }

    /** The results of {@code work}, in its order, computed on {@code threads} threads. */
    private static <T> List<T> inParallel(List<Callable<T>> work, int threads) throws Exception {
        if (work.size() == 1) {
            return List.of(work.get(0).call());
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, work.size()));
        try {
            List<T> results = new ArrayList<>();
            for (Future<T> future : pool.invokeAll(work)) {
                try {
                    results.add(future.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The parser profile of the store's own N-Triples: an IRI becomes a node as it is written,
     * without being parsed into an IRI object (a tenth of the parse), since N-Triples IRIs are
     * absolute and nothing is resolved or checked; blank node labels are kept.
     */
    private static final class TrustedIRIs extends ParserProfileStd {
        TrustedIRIs() {
            super(RiotLib.factoryRDF(LabelToNode.createUseLabelEncoded()),
                    ErrorHandlerFactory.errorHandlerStd,
                    IRIxResolver.create().noBase().resolve(false).allowRelative(true).build(),
                    PrefixMapFactory.create(), RIOT.getContext().copy(), false, false);
        }

        @Override
        public Node createURI(String iri, long line, long col) {
            return RiotLib.isBNodeIRI(iri) ? super.createURI(iri, line, col)
                    : getFactorRDF().createURI(iri);
        }
    }

    /** An input stream over a byte buffer (a stretch of a mapped file). */
    private static final class BufferStream extends InputStream {
        private final ByteBuffer buffer;

        BufferStream(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public int read() {
            return buffer.hasRemaining() ? buffer.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (!buffer.hasRemaining()) {
                return length == 0 ? 0 : -1;
            }
            int n = Math.min(length, buffer.remaining());
            buffer.get(into, offset, n);
            return n;
        }
    }

    /** Jena's plain validation of {@code data}, in chunks of focus nodes on {@code threads}. */
    private static ValidationReport validate(Shapes shapes, Graph data, int threads)
            throws Exception {
        List<Callable<ValidationReport>> work = new ArrayList<>();
        for (Shape shape : shapes.getTargetShapes()) {
            List<Node> focusNodes = new ArrayList<>(VLib.focusNodes(data, shape));
            for (int start = 0; start < focusNodes.size(); start += CHUNK) {
                List<Node> chunk = focusNodes.subList(start,
                        Math.min(start + CHUNK, focusNodes.size()));
                work.add(() -> {
                    ValidationContext context = ValidationContext.create(shapes, data);
                    for (Node focus : chunk) {
                        VLib.validateShape(context, data, shape, focus);
                    }
                    return context.generateReport();
                });
            }
        }
        ValidationReport.Builder joined = ValidationReport.create();
        joined.addPrefixes(shapes.getGraph().getPrefixMapping());
        if (work.isEmpty()) {
            return joined.build();
        }
        for (ValidationReport part : inParallel(work, threads)) {
            Collection<ReportEntry> entries = part.getEntries();
            entries.forEach(joined::addReportEntry);
        }
        return joined.build();
    }

    /** The shape and data triples a reader of the report needs (see the class comment). */
    private static List<Triple> context(Graph report, Graph shapesGraph, Graph data) {
        Set<Triple> extra = new LinkedHashSet<>();
        Set<Node> sources = new LinkedHashSet<>();
        report.find(Node.ANY, SHACL.sourceShape, Node.ANY)
                .forEachRemaining(t -> sources.add(t.getObject()));
        for (Node source : sources) {
            List<Node> shapes = new ArrayList<>();
            shapes.add(source);
            shapesGraph.find(Node.ANY, SHACL.property, source).forEachRemaining(t -> {
                extra.add(t);
                shapes.add(t.getSubject());
            });
            for (Node shape : shapes) {
                shapesGraph.find(shape, DRAFT_SEVERITY, Node.ANY).forEachRemaining(extra::add);
            }
        }
        Set<Node> focusNodes = new LinkedHashSet<>();
        report.find(Node.ANY, SHACL.focusNode, Node.ANY)
                .forEachRemaining(t -> focusNodes.add(t.getObject()));
        for (Node focus : focusNodes) {
            if (focus.isURI()) {
                data.find(focus, STATUS, Node.ANY).forEachRemaining(extra::add);
                data.find(focus, PROPOSED_BY, Node.ANY).forEachRemaining(extra::add);
            }
        }
        return new ArrayList<>(extra);
    }

    private static final boolean TIMINGS = System.getenv("KG_JENA_TIMINGS") != null;
    private static long last = System.nanoTime();
    private static long lastCpu = cpu();

    /** With KG_JENA_TIMINGS set: the seconds (wall, process CPU) since the previous step. */
    private static void lap(String step) {
        if (TIMINGS) {
            long now = System.nanoTime();
            long nowCpu = cpu();
            System.err.printf("jena-shacl: %s in %.2f s (%.2f s CPU)%n", step, (now - last) / 1e9,
                    (nowCpu - lastCpu) / 1e9);
            last = now;
            lastCpu = nowCpu;
        }
    }

    private static long cpu() {
        java.lang.management.OperatingSystemMXBean os =
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean bean
                ? bean.getProcessCpuTime() : 0L;
    }

    private static void fail(String message) {
        System.err.println("jena-shacl: " + message);
        System.exit(2);
    }
}
