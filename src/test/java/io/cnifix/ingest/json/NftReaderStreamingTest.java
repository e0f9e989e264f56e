package io.cnifix.ingest.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnifix.ingest.InputException;
import io.cnifix.ingest.InputText;
import io.cnifix.model.nft.NftTable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * NftReader streams the dump one item at a time; the tree reader it replaced is kept for odd input. Both must
 * give the same tables for every real dump we have and the same error (message and line) for broken ones.
 */
class NftReaderStreamingTest {

    @Test
    void everyFixtureReadsTheSameStreamedAsFromTheTree() throws Exception {
        List<Path> dumps = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of("fixtures"))) {
            s.filter(p -> p.getFileName().toString().equals("nft-ruleset.json")).forEach(dumps::add);
        }
        assertTrue(dumps.size() >= 10, "fixtures with nft dumps: " + dumps);
        for (Path p : dumps) {
            InputText in = new InputText(p.toString(), Files.readString(p));
            List<NftTable> streamed = NftReader.streamed(in); // the streaming path itself, not its fallback
            assertNotNull(streamed, p.toString());
            assertFalse(streamed.isEmpty(), p.toString());
            assertEquals(NftReader.readTree(in), streamed, p.toString());
        }
    }

    @Test
    void oddButValidShapesReadTheSame() throws Exception {
        for (String json : List.of(
                "{\"nftables\": []}",
                "\uFEFF{\"nftables\": [{\"table\": {\"family\": \"ip\", \"name\": \"t\"}}]}",
                "{\"other\": {\"a\": [1, 2.5, null, true]}, \"nftables\": [null, 3, [], {\"rule\": {\"chain\": \"c\"}}]}",
                "{\"nftables\": [{\"table\": {\"family\": \"ip\", \"name\": \"a\"}}],"
                        + " \"nftables\": [{\"table\": {\"family\": \"ip\", \"name\": \"b\"}}]}",
                "{\"nftables\": [{\"rule\": {\"family\": \"ip\", \"table\": \"t\", \"chain\": \"c\", \"handle\": 1.5,"
                        + " \"expr\": [{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\": \"tcp\","
                        + " \"field\": \"dport\"}}, \"right\": 1e3}}, {\"accept\": null}]}}]}")) {
            InputText in = new InputText("t", json);
            assertEquals(NftReader.readTree(in), NftReader.read(in), json);
        }
        InputText plain = new InputText("t", "{\"other\": [1], \"nftables\": [{\"table\": {\"family\": \"ip\", \"name\": \"t\"}}]}");
        assertNotNull(NftReader.streamed(plain));
    }

    @Test
    void brokenInputFailsWithTheTreeReadersMessage() {
        for (String json : List.of("", "   ", "[]", "{\"nftables\": {}}", "{\"x\": 1}",
                "{\"nftables\": [{\"table\": {\"family\": \"ip\"}}]", "{\"nftables\": [{\"table\": }]}",
                "{\"nftables\": []} {}", "{\"nftables\": [1,]}", "{\"nftables\": [\n{\"rule\": {\"chain\": 'c'}}]}")) {
            InputText in = new InputText("t", json);
            InputException tree = assertThrows(InputException.class, () -> NftReader.readTree(in), json);
            InputException streamed = assertThrows(InputException.class, () -> NftReader.read(in), json);
            assertEquals(tree.oneLine(), streamed.oneLine(), json);
            assertEquals(tree.line(), streamed.line(), json);
        }
    }
}
