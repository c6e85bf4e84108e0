; Desktop App: Windows installer (NSIS 3, Modern UI 2).
;
; A per-user install that needs no administrator rights: the program goes to
; %LOCALAPPDATA%\Programs\Desktop App, the shortcuts to the user's Start menu and
; every registry entry under HKEY_CURRENT_USER. Nothing is downloaded: the whole
; PyInstaller one-folder bundle (models included) is inside the setup file.
;
;   makensis /DVERSION=0.1.0 /DBUNDLE_DIR=C:\src\build\dist\desktop-app installer\windows\desktop-app.nsi
;
; Relative paths are relative to this file (makensis runs from the script's folder);
; pass absolute ones on the command line. installer/windows/README.md has the full build.

Unicode true
ManifestDPIAware true
RequestExecutionLevel user
SetCompressor /SOLID lzma
SetCompressorDictSize 64

;--------------------------------
; Build settings (override with /DNAME=value)

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
; The file version resource needs four numbers: pass VI_VERSION when VERSION is not plain X.Y.Z.
!ifndef VI_VERSION
  !define VI_VERSION "${VERSION}.0"
!endif
!ifndef BUNDLE_DIR
  !define BUNDLE_DIR "..\..\build\dist\desktop-app"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\build\desktop-app-${VERSION}-windows-x64-setup.exe"
!endif
!ifndef ICON
  !define ICON "..\assets\desktop-app.ico"
!endif
!ifndef LICENSE_FILE
  !define LICENSE_FILE "..\..\LICENSE"
!endif

!define APP_NAME "Desktop App"
!define PUBLISHER "Desktop App"
!define GUI_EXE "desktop-app-gui.exe"
!define CLI_EXE "desktop-app.exe"
!define UNINSTALLER "Uninstall.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\DesktopApp"
!define APPLICATION_KEY "Software\Classes\Applications\${GUI_EXE}"
!define PROGID "DesktopApp.pdf"
!define STARTMENU_DIR "$SMPROGRAMS\${APP_NAME}"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP_NAME}"
InstallDirRegKey HKCU "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

;--------------------------------
; Pages

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING

!define MUI_WELCOMEPAGE_TEXT "This will install ${APP_NAME} ${VERSION} for your user account only; no administrator rights are needed.$\r$\n$\r$\n${APP_NAME} answers questions about your PDFs with page citations. It runs entirely on this computer and never connects to the internet.$\r$\n$\r$\n$_CLICK"
!insertmacro MUI_PAGE_WELCOME

; The AGPL grants rights and asks nothing of someone who only runs the program: no "I accept".
!define MUI_LICENSEPAGE_TEXT_BOTTOM "${APP_NAME} is free software under the GNU Affero General Public License, version 3 or later. You do not need to accept it to use the program; it sets the terms for sharing or changing it."
!define MUI_LICENSEPAGE_BUTTON "$(^NextBtn)"
!insertmacro MUI_PAGE_LICENSE "${LICENSE_FILE}"

!insertmacro MUI_PAGE_COMPONENTS

!define MUI_PAGE_CUSTOMFUNCTION_LEAVE CheckInstallDir
!insertmacro MUI_PAGE_DIRECTORY

!insertmacro MUI_PAGE_INSTFILES

!define MUI_FINISHPAGE_RUN "$INSTDIR\${GUI_EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Open ${APP_NAME}"
!insertmacro MUI_PAGE_FINISH

!define MUI_UNCONFIRMPAGE_TEXT_TOP "${APP_NAME} will be removed from the folder below. Your library and conversations (in %LOCALAPPDATA%\desktop-app) are kept."
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VI_VERSION}"
VIFileVersion "${VI_VERSION}"
VIAddVersionKey "ProductName" "${APP_NAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APP_NAME} ${VERSION} setup"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "GNU Affero General Public License v3.0 or later"

;--------------------------------
; Install-folder checks

; The uninstaller removes the install folder with everything in it, so only an
; empty (or missing) folder or an earlier install of this app is accepted.
; Sets $R0 to an error message, or to "" when the folder is fine.
Function ValidateInstallDir
  StrCpy $R0 ""
  ${If} $INSTDIR == "$LOCALAPPDATA\desktop-app"
    StrCpy $R0 "$INSTDIR holds your ${APP_NAME} data. Please choose another folder."
    Return
  ${EndIf}
  ${IfNot} ${FileExists} "$INSTDIR\*.*"
    Return ; a new folder
  ${EndIf}
  ${If} ${FileExists} "$INSTDIR\${GUI_EXE}"
    Return ; an earlier install: upgrade it
  ${EndIf}
  FindFirst $R1 $R2 "$INSTDIR\*.*"
  ${DoWhile} $R2 != ""
    ${If} $R2 != "."
    ${AndIf} $R2 != ".."
      StrCpy $R0 "$INSTDIR is not empty. Please choose an empty or new folder: uninstalling removes the install folder with everything in it."
      ${Break}
    ${EndIf}
    FindNext $R1 $R2
  ${Loop}
  FindClose $R1
FunctionEnd

Function CheckInstallDir
  Call ValidateInstallDir
  ${If} $R0 != ""
    MessageBox MB_OK|MB_ICONEXCLAMATION "$R0"
    Abort
  ${EndIf}
FunctionEnd

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "${APP_NAME} needs 64-bit Windows." /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  SetShellVarContext current
  SetRegView 64
FunctionEnd

;--------------------------------
; Sections

Section "${APP_NAME} (required)" SecApp
  SectionIn RO

  ; Silent installs skip the directory page: check the /D= folder here too.
  Call ValidateInstallDir
  ${If} $R0 != ""
    DetailPrint "$R0"
    MessageBox MB_OK|MB_ICONEXCLAMATION "$R0" /SD IDOK
    SetErrorLevel 2
    Abort
  ${EndIf}

  ; An upgrade replaces the previous bundle whole, so no file of an older version lingers.
  ${If} ${FileExists} "$INSTDIR\${GUI_EXE}"
    DetailPrint "Removing the previous version's files"
    RMDir /r "$INSTDIR\_internal"
  ${EndIf}

  SetOutPath "$INSTDIR"
  File /r "${BUNDLE_DIR}\*"

  WriteUninstaller "$INSTDIR\${UNINSTALLER}"

  ; Start menu (SetOutPath sets the shortcuts' working folder).
  SetOutPath "$INSTDIR"
  CreateDirectory "${STARTMENU_DIR}"
  CreateShortCut "${STARTMENU_DIR}\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
  CreateShortCut "${STARTMENU_DIR}\Uninstall ${APP_NAME}.lnk" "$INSTDIR\${UNINSTALLER}" "" "$INSTDIR\${UNINSTALLER}" 0

  ; Apps & features entry, for this user only.
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\${UNINSTALLER}"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\${UNINSTALLER}" /S'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${GUI_EXE},0"
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "EstimatedSize" "$0"

  ; "Open with" for PDFs, without becoming the default PDF viewer.
  WriteRegStr HKCU "${APPLICATION_KEY}" "FriendlyAppName" "${APP_NAME}"
  WriteRegStr HKCU "${APPLICATION_KEY}\SupportedTypes" ".pdf" ""
  WriteRegStr HKCU "${APPLICATION_KEY}\shell\open\command" "" '"$INSTDIR\${GUI_EXE}" "%1"'
  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "PDF document"
  WriteRegStr HKCU "Software\Classes\${PROGID}" "FriendlyTypeName" "PDF document (${APP_NAME})"
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\${GUI_EXE},0"
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\${GUI_EXE}" "%1"'
  WriteRegStr HKCU "Software\Classes\.pdf\OpenWithProgids" "${PROGID}" ""
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  SetOutPath "$INSTDIR"
  CreateShortCut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${GUI_EXE}" "" "$INSTDIR\${GUI_EXE}" 0
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} "The program, its language and search models, Start menu shortcuts and $\"Open with$\" for PDFs."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "A shortcut on your desktop."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

;--------------------------------
; Uninstaller

Function un.onInit
  SetShellVarContext current
  SetRegView 64
FunctionEnd

Section "Uninstall"
  DetailPrint "Kept your data: $LOCALAPPDATA\desktop-app"

  Delete "${STARTMENU_DIR}\${APP_NAME}.lnk"
  Delete "${STARTMENU_DIR}\Uninstall ${APP_NAME}.lnk"
  RMDir "${STARTMENU_DIR}"
  Delete "$DESKTOP\${APP_NAME}.lnk"

  DeleteRegKey HKCU "${APPLICATION_KEY}"
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
  DeleteRegValue HKCU "Software\Classes\.pdf\OpenWithProgids" "${PROGID}"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  ; The installer only accepts an empty folder or an earlier install, so the
  ; folder is ours. If the program is already gone, remove only what is left of ours.
  ${If} ${FileExists} "$INSTDIR\${GUI_EXE}"
    RMDir /r "$INSTDIR"
  ${Else}
    Delete "$INSTDIR\${CLI_EXE}"
    RMDir /r "$INSTDIR\_internal"
    Delete "$INSTDIR\${UNINSTALLER}"
    RMDir "$INSTDIR"
  ${EndIf}
SectionEnd
