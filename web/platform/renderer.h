// web/platform/renderer.h: Dear ImGui's draw data onto the page's WebGL 2 context, with nothing read
// back from the GPU while a frame is drawn.
//
// Owns: the program, vertex array, buffers and font texture, on the context main.cpp made current.
// Must never: read GL state or results back on a frame's path (glGet*, glIsEnabled, glGetShaderiv,
// glGetProgramiv, glGetUniformLocation, glGetError, glReadPixels). In Chromium each is a round trip
// that waits until the GPU process has run every command before it (about 15 ms each on this
// project's headless Chromium with software GL). ImGui's own OpenGL3 backend makes about twenty a
// frame, saving and restoring state for a host application this page does not have, and five more
// as it creates its program. This one owns the whole context: it sets what it needs each frame and
// reads nothing. The program has no uniforms (positions arrive in clip space, the sampler is unit
// 0), so there is no location to look up either.
#pragma once

#include <imgui.h>

#include <cstdint>
#include <vector>

namespace hilt::web {

class Renderer {
public:
    // Creates the program (compiled and linked by the GPU process while the page goes on: nothing
    // waits for it here), the vertex array and the buffers. Call once, with the context current.
    void init();
    // (Re)uploads ImGui's font atlas as the texture its draw commands name: one channel, the glyphs'
    // coverage, a quarter of the RGBA upload ImGui's backend makes.
    void upload_fonts();
    // The whole drawing buffer cleared to `clear`, then `data` drawn over it, in device pixels.
    void render(const ImDrawData& data, int width, int height, ImU32 clear);
    // Whether the program linked: the first call waits for the GPU process, so main.cpp asks once the
    // first frame is out; later calls answer from memory. Logs the compiler's words when it did not.
    bool linked();

private:
    unsigned program_ = 0;
    unsigned vertex_shader_ = 0;
    unsigned fragment_shader_ = 0;
    unsigned vertex_array_ = 0;
    unsigned vertices_ = 0;
    unsigned indices_ = 0;
    unsigned font_texture_ = 0;
    int link_status_ = -1;  // -1 not asked yet, then GL_FALSE or GL_TRUE
    // Every draw list's vertices (positions in clip space) and indices (rebased, 32-bit), one upload each.
    std::vector<ImDrawVert> vertex_data_;
    std::vector<std::uint32_t> index_data_;
};

}  // namespace hilt::web
