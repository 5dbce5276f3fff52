// web/platform/renderer.cpp: see renderer.h.
#include "platform/renderer.h"

#include <GLES3/gl3.h>

#include <cstddef>
#include <cstdio>
#include <string>

namespace hilt::web {

namespace {

constexpr GLuint kPosition = 0;
constexpr GLuint kUv = 1;
constexpr GLuint kColor = 2;

// ImGui's OpenGL3 shaders (GLSL ES 3.00) without the projection uniform: render() hands positions
// over in clip space. The texture is the atlas's coverage (GL_R8): ImGui's RGBA atlas is white with
// that coverage as alpha, so colour times texel is the vertex colour with alpha times coverage.
constexpr const char* kVertexShader =
    "#version 300 es\n"
    "precision highp float;\n"
    "layout (location = 0) in vec2 position;\n"
    "layout (location = 1) in vec2 uv;\n"
    "layout (location = 2) in vec4 color;\n"
    "out vec2 frag_uv;\n"
    "out vec4 frag_color;\n"
    "void main() {\n"
    "    frag_uv = uv;\n"
    "    frag_color = color;\n"
    "    gl_Position = vec4(position, 0.0, 1.0);\n"
    "}\n";
constexpr const char* kFragmentShader =
    "#version 300 es\n"
    "precision mediump float;\n"
    "uniform sampler2D coverage;\n"
    "in vec2 frag_uv;\n"
    "in vec4 frag_color;\n"
    "layout (location = 0) out vec4 out_color;\n"
    "void main() {\n"
    "    out_color = vec4(frag_color.rgb, frag_color.a * texture(coverage, frag_uv).r);\n"
    "}\n";

GLuint compile(GLenum kind, const char* source) {
    const GLuint shader = glCreateShader(kind);
    glShaderSource(shader, 1, &source, nullptr);
    glCompileShader(shader);
    return shader;
}

std::string shader_log(GLuint shader) {
    GLint length = 0;
    glGetShaderiv(shader, GL_INFO_LOG_LENGTH, &length);
    std::string log(static_cast<std::size_t>(length > 0 ? length : 0), '\0');
    if (length > 0) glGetShaderInfoLog(shader, length, nullptr, log.data());
    return log;
}

}  // namespace

void Renderer::init() {
    ImGuiIO& io = ImGui::GetIO();
    io.BackendRendererName = "hilt_webgl2";
    // Commands may start past their list's first vertex: a list of more than 65,536 vertices (ImGui's
    // indices are 16-bit) is split into commands rather than wrapping its indices.
    io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;

    vertex_shader_ = compile(GL_VERTEX_SHADER, kVertexShader);
    fragment_shader_ = compile(GL_FRAGMENT_SHADER, kFragmentShader);
    program_ = glCreateProgram();
    glAttachShader(program_, vertex_shader_);
    glAttachShader(program_, fragment_shader_);
    glLinkProgram(program_);

    glGenVertexArrays(1, &vertex_array_);
    glGenBuffers(1, &vertices_);
    glGenBuffers(1, &indices_);
    glBindVertexArray(vertex_array_);
    glBindBuffer(GL_ARRAY_BUFFER, vertices_);
    glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, indices_);  // part of the vertex array's state
    glEnableVertexAttribArray(kPosition);
    glEnableVertexAttribArray(kUv);
    glEnableVertexAttribArray(kColor);
    const auto offset = [](std::size_t bytes) { return reinterpret_cast<const void*>(bytes); };
    glVertexAttribPointer(kPosition, 2, GL_FLOAT, GL_FALSE, sizeof(ImDrawVert), offset(offsetof(ImDrawVert, pos)));
    glVertexAttribPointer(kUv, 2, GL_FLOAT, GL_FALSE, sizeof(ImDrawVert), offset(offsetof(ImDrawVert, uv)));
    glVertexAttribPointer(kColor, 4, GL_UNSIGNED_BYTE, GL_TRUE, sizeof(ImDrawVert), offset(offsetof(ImDrawVert, col)));
    glBindVertexArray(0);
}

void Renderer::upload_fonts() {
    ImGuiIO& io = ImGui::GetIO();
    unsigned char* pixels = nullptr;
    int width = 0;
    int height = 0;
    io.Fonts->GetTexDataAsAlpha8(&pixels, &width, &height);
    if (font_texture_ == 0) glGenTextures(1, &font_texture_);
    glBindTexture(GL_TEXTURE_2D, font_texture_);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);  // rows of `width` single bytes
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, width, height, 0, GL_RED, GL_UNSIGNED_BYTE, pixels);
    io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(font_texture_)));
}

void Renderer::render(const ImDrawData& data, int width, int height, ImU32 clear) {
    glViewport(0, 0, width, height);
    glDisable(GL_SCISSOR_TEST);  // the clear is the whole buffer
    const ImVec4 color = ImGui::ColorConvertU32ToFloat4(clear);
    glClearColor(color.x, color.y, color.z, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    if (width <= 0 || height <= 0 || data.TotalVtxCount == 0) return;

    // One upload of every list: positions to clip space (ImGui's orthographic projection over the
    // display rectangle, y down), each command's indices rebased onto its first vertex (32-bit).
    const float sx = 2.0f / data.DisplaySize.x;
    const float sy = -2.0f / data.DisplaySize.y;
    vertex_data_.clear();
    index_data_.clear();
    vertex_data_.reserve(static_cast<std::size_t>(data.TotalVtxCount));
    index_data_.reserve(static_cast<std::size_t>(data.TotalIdxCount));
    for (int n = 0; n < data.CmdListsCount; ++n) {
        const ImDrawList& list = *data.CmdLists[n];
        const auto base = static_cast<std::uint32_t>(vertex_data_.size());
        for (const ImDrawVert& v : list.VtxBuffer) {
            ImDrawVert out = v;
            out.pos.x = (v.pos.x - data.DisplayPos.x) * sx - 1.0f;
            out.pos.y = (v.pos.y - data.DisplayPos.y) * sy + 1.0f;
            vertex_data_.push_back(out);
        }
        const std::size_t first_index = index_data_.size();
        index_data_.resize(first_index + static_cast<std::size_t>(list.IdxBuffer.Size));
        for (const ImDrawCmd& cmd : list.CmdBuffer) {
            if (cmd.UserCallback != nullptr) continue;
            const std::uint32_t offset = base + cmd.VtxOffset;
            for (unsigned i = cmd.IdxOffset; i < cmd.IdxOffset + cmd.ElemCount; ++i) {
                index_data_[first_index + i] = offset + list.IdxBuffer[static_cast<int>(i)];
            }
        }
    }

    glEnable(GL_BLEND);
    glBlendEquation(GL_FUNC_ADD);
    glBlendFuncSeparate(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA, GL_ONE, GL_ONE_MINUS_SRC_ALPHA);
    glEnable(GL_SCISSOR_TEST);
    glUseProgram(program_);
    glActiveTexture(GL_TEXTURE0);
    glBindVertexArray(vertex_array_);
    glBindBuffer(GL_ARRAY_BUFFER, vertices_);
    glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(vertex_data_.size() * sizeof(ImDrawVert)),
                 vertex_data_.data(), GL_STREAM_DRAW);
    glBufferData(GL_ELEMENT_ARRAY_BUFFER, static_cast<GLsizeiptr>(index_data_.size() * sizeof(std::uint32_t)),
                 index_data_.data(), GL_STREAM_DRAW);

    std::size_t list_first_index = 0;
    for (int n = 0; n < data.CmdListsCount; ++n) {
        const ImDrawList& list = *data.CmdLists[n];
        for (const ImDrawCmd& cmd : list.CmdBuffer) {
            if (cmd.UserCallback != nullptr) continue;  // the checkout adds none
            // The clip rectangle in the drawing buffer's pixels, y up.
            const float x0 = cmd.ClipRect.x - data.DisplayPos.x;
            const float y0 = cmd.ClipRect.y - data.DisplayPos.y;
            const float x1 = cmd.ClipRect.z - data.DisplayPos.x;
            const float y1 = cmd.ClipRect.w - data.DisplayPos.y;
            if (x1 <= x0 || y1 <= y0) continue;
            glScissor(static_cast<int>(x0), static_cast<int>(static_cast<float>(height) - y1),
                      static_cast<int>(x1 - x0), static_cast<int>(y1 - y0));
            glBindTexture(GL_TEXTURE_2D, static_cast<GLuint>(reinterpret_cast<std::uintptr_t>(cmd.GetTexID())));
            const std::size_t first = list_first_index + cmd.IdxOffset;
            glDrawElements(GL_TRIANGLES, static_cast<GLsizei>(cmd.ElemCount), GL_UNSIGNED_INT,
                           reinterpret_cast<const void*>(first * sizeof(std::uint32_t)));
        }
        list_first_index += static_cast<std::size_t>(list.IdxBuffer.Size);
    }
    glBindVertexArray(0);
}

bool Renderer::linked() {
    if (link_status_ >= 0) return link_status_ == GL_TRUE;
    GLint status = GL_FALSE;
    glGetProgramiv(program_, GL_LINK_STATUS, &status);
    link_status_ = status;
    if (status != GL_TRUE) {
        GLint length = 0;
        glGetProgramiv(program_, GL_INFO_LOG_LENGTH, &length);
        std::string log(static_cast<std::size_t>(length > 0 ? length : 0), '\0');
        if (length > 0) glGetProgramInfoLog(program_, length, nullptr, log.data());
        std::fprintf(stderr, "hilt: the WebGL program did not link: %s\nvertex: %s\nfragment: %s\n",
                     log.c_str(), shader_log(vertex_shader_).c_str(), shader_log(fragment_shader_).c_str());
    }
    return status == GL_TRUE;
}

}  // namespace hilt::web
