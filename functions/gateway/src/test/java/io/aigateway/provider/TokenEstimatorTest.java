package io.aigateway.provider;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenEstimatorTest {

    @Test
    void tokenizerByModelFamily() {
        for (String m : new String[]{"gpt-4o-mini", "gpt-4.1", "gpt-5-nano", "o3-mini", "o1", "openai/gpt-4o", "chatgpt-4o-latest",
                "openai/gpt-oss-120b", "openai.gpt-oss-20b-1:0"}) {
            assertTrue(TokenEstimator.usesO200k(m), m);
            assertEquals("o200k_base", TokenEstimator.encoding(m).getName());
        }
        for (String m : new String[]{"gpt-4", "gpt-3.5-turbo", "claude-sonnet-4-5", "gemini-2.5-flash", "llama-3.3-70b", "omni-x"}) {
            assertFalse(TokenEstimator.usesO200k(m), m);
        }
        assertEquals("cl100k_base", TokenEstimator.encoding(null).getName());
    }

    @Test
    void specialTokenMarkersInTextDoNotThrow() {
        assertTrue(TokenEstimator.countText("gpt-4o", "hello <|endoftext|> world") > 3);
        assertEquals(0, TokenEstimator.countText("gpt-4o", ""));
    }

    @Test
    void inputEstimateCoversChatAnthropicGeminiAndResponsesShapes() {
        String text = "What is the capital of France and why is it famous?";
        long textTokens = TokenEstimator.countText("gpt-4o", text);
        long chat = TokenEstimator.estimateInput(null, body("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"));
        assertTrue(chat >= textTokens && chat <= textTokens + 10, "chat " + chat + " vs " + textTokens);
        long anthropic = TokenEstimator.estimateInput("claude-haiku-4-5", body("{\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"},{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"data\":\"AAAA\"}}]}]}"));
        assertTrue(anthropic > textTokens && anthropic < textTokens + 20, "anthropic " + anthropic);
        long gemini = TokenEstimator.estimateInput(null, body("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + text + "\"}]}]}"));
        assertTrue(gemini >= textTokens, "gemini " + gemini);
        long responses = TokenEstimator.estimateInput("gpt-5", body("{\"model\":\"gpt-5\",\"input\":\"" + text + "\",\"instructions\":\"Be brief.\"}"));
        assertTrue(responses > textTokens, "responses " + responses);
        long withTools = TokenEstimator.estimateInput(null, body("{\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather for a city\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]}"));
        assertTrue(withTools > chat + 10, "tools count: " + withTools + " vs " + chat);
        assertEquals(-1, TokenEstimator.estimateInput(null, body("not json")));
        assertEquals(-1, TokenEstimator.estimateInput(null, null));
    }

    @Test
    void outputEstimateExtrapolatesPastTheCollectionBound() {
        String piece = "Twelve tokens or so of fairly ordinary English text here. ";
        long once = TokenEstimator.estimateOutput("gpt-4o", piece, 0);
        long extrapolated = TokenEstimator.estimateOutput("gpt-4o", piece, piece.length() * 9L);
        assertTrue(Math.abs(extrapolated - once * 10) <= 2, once + " -> " + extrapolated);
    }

    private static byte[] body(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
