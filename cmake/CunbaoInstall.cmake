# cmake/CunbaoInstall.cmake — what `cmake --install` puts where (GNUInstallDirs),
# besides the programs (installed by their own folders) and the dashboard's
# files (web/CMakeLists.txt, to share/cunbao/web):
#   share/cunbao               the catalog and the JSON Schemas
#   share/doc/cunbao           docs/*.md, README.md, LICENSE
#   share/doc/cunbao/examples  the example configs (cunbaod, bridge, Kannel, mosquitto)
#   lib/systemd/system         the units, with this install's paths
# and, for the package only (CUNBAO_PACKAGE), the configs in /etc/cunbao.
#
# How an installed program finds its data: from its config, else under the
# install prefix (CUNBAO_DATADIR, CUNBAO_CONFDIR, compiled in).  The source
# tree (CUNBAO_SOURCE_DIR) is compiled in too, but a program reads it only
# when /proc/self/exe lies inside this build tree (CUNBAO_BINARY_DIR): the
# tests run the programs from there and so read the tree, an installed
# program never does, even when an installed file is missing (it then names
# the installed path in its error).

# The catalog and the schemas its payloads follow.
install(FILES schema/catalog.json schema/catalog.schema.json
	DESTINATION ${CMAKE_INSTALL_DATADIR}/cunbao)
file(GLOB CUNBAO_MQTT_SCHEMAS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/schema/mqtt/*.json)
install(FILES ${CUNBAO_MQTT_SCHEMAS} DESTINATION ${CMAKE_INSTALL_DATADIR}/cunbao/mqtt)

# The documentation and the example configs.
file(GLOB CUNBAO_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CUNBAO_DOCS} ${CMAKE_SOURCE_DIR}/docs/openapi.yaml README.md
	DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(NOT CUNBAO_PACKAGE)	# the package has its copyright file instead
	install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()
file(GLOB CUNBAO_BRIDGE_EXAMPLES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bridge/examples/*)
install(FILES systemd/cunbaod.conf.example systemd/mosquitto-cunbao.conf
	systemd/mosquitto-cunbao.acl ${CUNBAO_BRIDGE_EXAMPLES}
	DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The systemd units, made from systemd/*.service at configure time with this
# install's paths in place of the Debian ones the files are written with.
# Debian 12 looks for a package's units in /lib/systemd/system; systemd also
# reads <prefix>/lib/systemd/system for /usr/local.
if(CUNBAO_PACKAGE)
	set(CUNBAO_UNITDIR_DEFAULT /lib/systemd/system)
else()
	set(CUNBAO_UNITDIR_DEFAULT lib/systemd/system)
endif()
set(CUNBAO_SYSTEMD_UNITDIR ${CUNBAO_UNITDIR_DEFAULT} CACHE STRING
	"Where the systemd units are installed (relative: under the prefix)")
foreach(unit cunbaod.service cunbao-bridge.service)
	set(src ${CMAKE_SOURCE_DIR}/systemd/${unit})
	set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
	file(READ ${src} text)
	string(REPLACE "/usr/sbin/" "${CMAKE_INSTALL_FULL_SBINDIR}/" text "${text}")
	string(REPLACE "/etc/cunbao" "${CUNBAO_CONFDIR}" text "${text}")
	string(REPLACE "/usr/share/doc/cunbao" "${CMAKE_INSTALL_FULL_DOCDIR}" text "${text}")
	string(REPLACE "/usr/share/cunbao" "${CUNBAO_DATADIR}" text "${text}")
	file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/systemd/${unit} CONTENT "${text}")
	install(FILES ${CMAKE_BINARY_DIR}/systemd/${unit} DESTINATION ${CUNBAO_SYSTEMD_UNITDIR})
endforeach()
