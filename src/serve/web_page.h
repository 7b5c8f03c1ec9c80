// The web chat page served at `/`: one self-contained HTML document (inline
// CSS and JS, no CDN, no build step) that talks to /v1/chat/completions with
// streaming, shows reasoning in a collapsible block, has a stop button and
// controls for temperature, top_p, max tokens and the API key.
#pragma once

namespace minke::serve {

extern const char* const kWebPageHtml;

}  // namespace minke::serve
