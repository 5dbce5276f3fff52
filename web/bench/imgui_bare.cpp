// web/bench/imgui_bare.cpp: the baseline for bench/checkout_page.mjs: a bare Dear ImGui "hello"
// (WebGL2 context through the html5 API, ImGui's OpenGL3 renderer, its built-in font), linked
// with the checkout's own flags, so the checkout's size and time to first frame have a yardstick.
//
// Must never: grow features: it measures what ImGui itself costs. It sets
// window.__hiltBareFirstFrame (performance.now()) after its first frame, which shows its window, is drawn,
// and draws no more.
#include <GLES3/gl3.h>
#include <emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>
#include <imgui_impl_opengl3.h>

namespace {

bool g_first_frame_done = false;

EM_JS(void, bare_mark_first_frame, (), { window.__hiltBareFirstFrame = performance.now(); });
EM_JS(int, bare_canvas_width, (), { return document.getElementById('canvas').clientWidth | 0; });
EM_JS(int, bare_canvas_height, (), { return document.getElementById('canvas').clientHeight | 0; });

void frame() {
    const int width = bare_canvas_width();
    const int height = bare_canvas_height();
    emscripten_set_canvas_element_size("#canvas", width, height);
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
    io.DeltaTime = 1.0f / 60.0f;
    ImGui_ImplOpenGL3_NewFrame();
    ImGui::NewFrame();
    // A size of its own: ImGui hides a window it must size to its content for the frame it first
    // measures it, which made this example's first frame a blank clear. The checkout's first frame
    // shows the product (its own layout passes settle before it is shown), so this one shows its window.
    ImGui::SetNextWindowPos(ImVec2(40.0f, 40.0f));
    ImGui::SetNextWindowSize(ImVec2(240.0f, 120.0f));
    ImGui::Begin("Hello");
    ImGui::Text("Hello, world");
    ImGui::Button("OK");
    ImGui::End();
    ImGui::Render();
    glViewport(0, 0, width, height);
    glClearColor(0.95f, 0.96f, 0.97f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    if (!g_first_frame_done) {
        g_first_frame_done = true;
        bare_mark_first_frame();
        // It stops there: each later frame waits on the GPU ~20 times (ImGui's renderer reads GL state
        // back), which would hold up the bench's polling of the first frame's fence on this thread.
        emscripten_cancel_main_loop();
    }
}

}  // namespace

int main() {
    EmscriptenWebGLContextAttributes attributes;
    emscripten_webgl_init_context_attributes(&attributes);
    attributes.majorVersion = 2;
    attributes.alpha = EM_FALSE;
    attributes.depth = EM_FALSE;
    attributes.stencil = EM_FALSE;
    attributes.antialias = EM_FALSE;
    const auto context = emscripten_webgl_create_context("#canvas", &attributes);
    if (context <= 0 ||
        emscripten_webgl_make_context_current(context) != EMSCRIPTEN_RESULT_SUCCESS) {
        return 1;
    }
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui_ImplOpenGL3_Init("#version 300 es");
    emscripten_set_main_loop(frame, 0, EM_FALSE);
    return 0;
}
