// web/gallery/scenes.h: the checkout gallery's fixtures: every screen of the checkout as a
// flow::State reached by replaying realistic events through flow::reduce, for screenshots and for
// newcomers.
//
// Owns: the scene list (name, page environment, the events that lead there) and what the machine
// announced on the way. Must never: build a State by hand (a scene is only what the real machine
// can reach), or be linked into the buyer's checkout (gallery build only, web/CMakeLists.txt).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "flow/checkout_machine.h"

namespace hilt::web::gallery {

struct Scene {
    std::string name;          // ?gallery=<name>
    flow::State state;         // where the events led
    std::string announcement;  // the machine's last Announce on the way ("" when none)
};

// Every scene, in the order of a buyer's journey.
const std::vector<Scene>& scenes();
// The scene called `name`; the first scene when there is none.
const Scene& find_scene(std::string_view name);
// flow::describe(scene.state) with "gallery" (the scene's name) and "scenes" (every name) added:
// what the gallery publishes on window.hilt.
std::string describe_scene(const Scene& scene);

}  // namespace hilt::web::gallery
